//! Normal traffic: the endpoints of a small online bank, a web shop, a blog/CMS and a REST API,
//! each a small builder of a [`Draft`] with typed slots. The table [`ENDPOINTS`] weights them;
//! [`dress`] adds the headers a browser, the bank's single-page app or an API client would send.
//! Attacks reuse these builders, so every endpoint here is also a place a payload can land.

use rand::Rng;

use crate::draft::{Draft, SlotKind, XmlDoc};
use crate::encode::UrlStyle;
use crate::vocab::{self as v, chance, pick, Rng8};

const BANK: &str = "bank.example.com";
const SHOP: &str = "shop.example.com";
const BLOG: &str = "blog.example.org";
const API: &str = "api.example.io";

/// One endpoint of the simulated sites: its share of normal traffic and its builder.
pub(crate) struct Endpoint {
    pub(crate) weight: u32,
    pub(crate) build: fn(&mut Rng8) -> Draft,
}

/// Every endpoint, weighted roughly like the traffic of a small bank with a shop, a blog and a
/// public API next to it.
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    // bank
    Endpoint {
        weight: 4,
        build: bank_login_page,
    },
    Endpoint {
        weight: 6,
        build: bank_login_auth,
    },
    Endpoint {
        weight: 6,
        build: bank_balance_check,
    },
    Endpoint {
        weight: 5,
        build: bank_transfer,
    },
    Endpoint {
        weight: 3,
        build: bank_support_ticket,
    },
    Endpoint {
        weight: 3,
        build: bank_user_search,
    },
    Endpoint {
        weight: 3,
        build: bank_statements,
    },
    Endpoint {
        weight: 2,
        build: bank_statement_pdf,
    },
    Endpoint {
        weight: 2,
        build: bank_download,
    },
    Endpoint {
        weight: 4,
        build: bank_transactions,
    },
    Endpoint {
        weight: 2,
        build: bank_profile_update,
    },
    Endpoint {
        weight: 2,
        build: bank_logout,
    },
    Endpoint {
        weight: 2,
        build: bank_card_limits,
    },
    Endpoint {
        weight: 1,
        build: bank_card_freeze,
    },
    Endpoint {
        weight: 2,
        build: bank_help_article,
    },
    Endpoint {
        weight: 3,
        build: bank_pages,
    },
    Endpoint {
        weight: 9,
        build: static_asset,
    },
    Endpoint {
        weight: 2,
        build: bank_beneficiary,
    },
    Endpoint {
        weight: 1,
        build: bank_exchange_rates,
    },
    Endpoint {
        weight: 1,
        build: bank_statement_import,
    },
    // shop
    Endpoint {
        weight: 7,
        build: shop_search,
    },
    Endpoint {
        weight: 4,
        build: shop_category,
    },
    Endpoint {
        weight: 5,
        build: shop_product,
    },
    Endpoint {
        weight: 3,
        build: shop_cart_add,
    },
    Endpoint {
        weight: 2,
        build: shop_checkout_address,
    },
    Endpoint {
        weight: 4,
        build: shop_product_image,
    },
    Endpoint {
        weight: 2,
        build: shop_review,
    },
    Endpoint {
        weight: 1,
        build: shop_cart_delete,
    },
    Endpoint {
        weight: 2,
        build: shop_track_order,
    },
    Endpoint {
        weight: 1,
        build: shop_partner_redirect,
    },
    Endpoint {
        weight: 1,
        build: shop_cart_patch,
    },
    Endpoint {
        weight: 2,
        build: shop_product_filter_api,
    },
    Endpoint {
        weight: 1,
        build: shop_order_import,
    },
    // blog / CMS
    Endpoint {
        weight: 5,
        build: blog_post,
    },
    Endpoint {
        weight: 2,
        build: blog_tag,
    },
    Endpoint {
        weight: 2,
        build: blog_index,
    },
    Endpoint {
        weight: 3,
        build: blog_comment,
    },
    Endpoint {
        weight: 1,
        build: blog_feed,
    },
    Endpoint {
        weight: 2,
        build: blog_outbound,
    },
    Endpoint {
        weight: 2,
        build: blog_admin_post,
    },
    Endpoint {
        weight: 1,
        build: blog_newsletter,
    },
    Endpoint {
        weight: 2,
        build: blog_wp_json,
    },
    Endpoint {
        weight: 1,
        build: blog_share,
    },
    // REST API
    Endpoint {
        weight: 3,
        build: api_order,
    },
    Endpoint {
        weight: 2,
        build: api_customer,
    },
    Endpoint {
        weight: 2,
        build: api_event,
    },
    Endpoint {
        weight: 2,
        build: api_resource_put,
    },
    Endpoint {
        weight: 1,
        build: api_resource_delete,
    },
    Endpoint {
        weight: 2,
        build: api_oauth_token,
    },
    Endpoint {
        weight: 2,
        build: api_search_filters,
    },
    Endpoint {
        weight: 1,
        build: api_webhook,
    },
    Endpoint {
        weight: 1,
        build: api_invoice_import,
    },
    Endpoint {
        weight: 2,
        build: api_reports,
    },
    Endpoint {
        weight: 2,
        build: api_graphql,
    },
    Endpoint {
        weight: 1,
        build: api_template,
    },
    Endpoint {
        weight: 1,
        build: api_file_download,
    },
    Endpoint {
        weight: 1,
        build: api_avatar_url,
    },
    Endpoint {
        weight: 1,
        build: api_link_preview,
    },
];

/// A complete normal request draft: an endpoint, then headers, escaping style and client.
pub(crate) fn normal_draft(rng: &mut Rng8) -> Draft {
    let endpoint = pick_endpoint(rng);
    let draft = (endpoint.build)(rng);
    dress(rng, draft)
}

pub(crate) fn pick_endpoint(rng: &mut Rng8) -> &'static Endpoint {
    let total: u32 = ENDPOINTS.iter().map(|e| e.weight).sum();
    let mut roll = rng.gen_range(0..total);
    for e in ENDPOINTS {
        if roll < e.weight {
            return e;
        }
        roll -= e.weight;
    }
    &ENDPOINTS[ENDPOINTS.len() - 1]
}

/// Adds the headers, escaping style and client address a real client would have.
pub(crate) fn dress(rng: &mut Rng8, mut d: Draft) -> Draft {
    d.style = UrlStyle::draw(rng);
    d.json_compact = chance(rng, 0.7);
    d.client_ip = v::client_ip(rng);
    let api_client = d.host == API || d.path.first().is_some_and(|s| s.value.text() == "api");
    d = d.header_injectable("User-Agent", v::user_agent(rng));
    if api_client {
        d = d.header("Accept", "application/json");
        if d.host == API {
            d = d.header("Authorization", format!("Bearer {}", v::jwt(rng)));
            if chance(rng, 0.3) {
                d = d.header_injectable("X-Api-Version", v::date_iso(rng));
            }
        } else {
            d = d
                .header("X-Requested-With", "XMLHttpRequest")
                .header("X-CSRF-Token", v::hex(rng, 32));
        }
        if chance(rng, 0.5) {
            d = d.header("X-Request-Id", v::uuid(rng));
        }
    } else {
        let accept = pick(
            rng,
            &[
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
                "*/*",
                "image/avif,image/webp,*/*",
            ],
        );
        d = d
            .header("Accept", *accept)
            .header("Accept-Language", v::accept_language(rng))
            .header("Accept-Encoding", "gzip, deflate, br");
    }
    if chance(rng, 0.55) {
        let referer = if chance(rng, 0.8) {
            format!("https://{}{}", d.host, v::local_redirect(rng))
        } else {
            v::external_url(rng)
        };
        d = d.header_injectable("Referer", referer);
    }
    if !api_client && chance(rng, 0.7) {
        d = d.header(
            "Cookie",
            format!("session={}; lang={}", v::hex(rng, 32), pick(rng, v::LANGS)),
        );
    }
    if chance(rng, 0.08) {
        d = d.header_injectable("X-Forwarded-For", v::client_ip(rng));
    }
    d
}

fn maybe_page(rng: &mut Rng8, d: Draft) -> Draft {
    if chance(rng, 0.4) {
        d.query("page", rng.gen_range(1..40).to_string(), SlotKind::Id)
    } else {
        d
    }
}

fn maybe_lang(rng: &mut Rng8, d: Draft) -> Draft {
    if chance(rng, 0.25) {
        d.query("lang", *pick(rng, v::LANGS), SlotKind::Choice)
    } else {
        d
    }
}

// ---- bank -------------------------------------------------------------------------------------

fn bank_login_page(rng: &mut Rng8) -> Draft {
    let d = Draft::new("GET", BANK, "/login");
    if chance(rng, 0.5) {
        d.query("next", v::local_redirect(rng), SlotKind::Redirect)
    } else {
        d
    }
}

fn bank_login_auth(rng: &mut Rng8) -> Draft {
    let mut d = Draft::new("POST", BANK, "/login/auth");
    if chance(rng, 0.2) {
        d = d.query("next", v::local_redirect(rng), SlotKind::Redirect);
    }
    if chance(rng, 0.2) {
        let user = v::username(rng);
        return d
            .json("username", user, SlotKind::Name)
            .json("password", v::password(rng), SlotKind::Secret)
            .json_raw(
                "remember",
                if chance(rng, 0.5) { "true" } else { "false" },
                None,
            );
    }
    d = d.form("username", v::username(rng), SlotKind::Name).form(
        "password",
        v::password(rng),
        SlotKind::Secret,
    );
    if chance(rng, 0.4) {
        d = d.form_fixed("remember", "on");
    }
    d.form_fixed("csrf_token", v::hex(rng, 32))
}

fn bank_balance_check(rng: &mut Rng8) -> Draft {
    let d = Draft::new("GET", BANK, "/api/balance/check").query(
        "account",
        v::account_ref(rng),
        SlotKind::Id,
    );
    if chance(rng, 0.3) {
        d.query("currency", *pick(rng, v::CURRENCIES), SlotKind::Choice)
    } else {
        d
    }
}

fn bank_transfer(rng: &mut Rng8) -> Draft {
    let d = Draft::new("POST", BANK, "/transfer/internal");
    let (from, to, amount) = (v::account_ref(rng), v::account_ref(rng), v::amount(rng));
    let currency = *pick(rng, v::CURRENCIES);
    let memo = v::memo(rng);
    if chance(rng, 0.3) {
        return d
            .json("from", from, SlotKind::Id)
            .json("to", to, SlotKind::Id)
            .json_raw(
                "amount",
                format!("{}.{:02}", rng.gen_range(1..5000), rng.gen_range(0..100)),
                Some(SlotKind::Amount),
            )
            .json("currency", currency, SlotKind::Choice)
            .json("memo", memo, SlotKind::Text);
    }
    d.form("from", from, SlotKind::Id)
        .form("to", to, SlotKind::Id)
        .form("amount", amount, SlotKind::Amount)
        .form("currency", currency, SlotKind::Choice)
        .form("memo", memo, SlotKind::Text)
        .form_fixed("csrf_token", v::hex(rng, 32))
}

fn bank_support_ticket(rng: &mut Rng8) -> Draft {
    let category = *pick(
        rng,
        &["cards", "transfers", "login", "fees", "other", "fraud"],
    );
    Draft::new("POST", BANK, "/support/ticket")
        .form("subject", v::subject(rng), SlotKind::Text)
        .form("message", v::support_message(rng), SlotKind::Text)
        .form("category", category, SlotKind::Choice)
        .form("email", v::email(rng), SlotKind::Email)
}

fn bank_user_search(rng: &mut Rng8) -> Draft {
    let q = match rng.gen_range(0..4) {
        0 => v::email(rng),
        1 => pick(rng, v::LAST_NAMES).to_string(),
        2 => {
            let name = v::full_name(rng);
            name.chars().take(rng.gen_range(3..8)).collect()
        }
        _ => v::name_value(rng),
    };
    let d = Draft::new("GET", BANK, "/api/users").query("q", q, SlotKind::Name);
    if chance(rng, 0.5) {
        d.query("limit", *pick(rng, &["10", "20", "50"]), SlotKind::Id)
    } else {
        d
    }
}

fn bank_statements(rng: &mut Rng8) -> Draft {
    let (y, m, _) = v::date(rng);
    let m2 = (m + rng.gen_range(0..3)).min(12);
    let from = if chance(rng, 0.8) {
        format!("{y}-{m:02}-01")
    } else {
        format!("01/{m:02}/{y}")
    };
    let d = Draft::new("GET", BANK, "/statements")
        .query("account", v::account_ref(rng), SlotKind::Id)
        .query("from", from, SlotKind::Date)
        .query("to", format!("{y}-{m2:02}-28"), SlotKind::Date);
    if chance(rng, 0.6) {
        d.query(
            "format",
            *pick(rng, &["pdf", "csv", "ofx", "xlsx"]),
            SlotKind::Choice,
        )
    } else {
        d
    }
}

fn bank_statement_pdf(rng: &mut Rng8) -> Draft {
    let (y, m, _) = v::date(rng);
    Draft::new("GET", BANK, "/statements").seg(format!("{y}-{m:02}.pdf"), SlotKind::File)
}

fn bank_download(rng: &mut Rng8) -> Draft {
    let d = Draft::new("GET", BANK, "/download").query("file", v::file_name(rng), SlotKind::File);
    if chance(rng, 0.3) {
        d.query_fixed("inline", "1")
    } else {
        d
    }
}

fn bank_transactions(rng: &mut Rng8) -> Draft {
    let mut d = Draft::new("GET", BANK, "/api/transactions").query(
        "account",
        v::account_ref(rng),
        SlotKind::Id,
    );
    d = maybe_page(rng, d);
    if chance(rng, 0.5) {
        d = d.query("limit", rng.gen_range(10..101).to_string(), SlotKind::Id);
    }
    if chance(rng, 0.5) {
        d = d.query(
            "sort",
            *pick(rng, &["-date", "date", "amount", "-amount"]),
            SlotKind::Choice,
        );
    }
    if chance(rng, 0.2) {
        d = d.query(
            "q",
            pick(rng, &["amazon", "rent", "uber", "café", "refund"]).to_string(),
            SlotKind::Text,
        );
    }
    d
}

fn bank_profile_update(rng: &mut Rng8) -> Draft {
    Draft::new("POST", BANK, "/profile/update")
        .form("full_name", v::name_value(rng), SlotKind::Name)
        .form("street", v::street_address(rng), SlotKind::Text)
        .form("city", *pick(rng, v::CITIES), SlotKind::Text)
        .form("zip", v::zip(rng), SlotKind::Id)
        .form("phone", v::phone(rng), SlotKind::Text)
        .form("email", v::email(rng), SlotKind::Email)
        .form_fixed("csrf_token", v::hex(rng, 32))
}

fn bank_logout(rng: &mut Rng8) -> Draft {
    let d = Draft::new("GET", BANK, "/logout");
    if chance(rng, 0.6) {
        d.query(
            "next",
            *pick(rng, &["/login", "/", "/login?expired=1"]),
            SlotKind::Redirect,
        )
    } else {
        d
    }
}

fn bank_card_limits(rng: &mut Rng8) -> Draft {
    let method = if chance(rng, 0.7) { "PUT" } else { "PATCH" };
    Draft::new(method, BANK, "/api/cards")
        .seg(v::digits(rng, 8), SlotKind::Id)
        .fixed("limits")
        .json_raw(
            "daily_limit",
            rng.gen_range(100..5000).to_string(),
            Some(SlotKind::Amount),
        )
        .json("currency", *pick(rng, v::CURRENCIES), SlotKind::Choice)
        .json_raw(
            "online",
            if chance(rng, 0.5) { "true" } else { "false" },
            None,
        )
}

fn bank_card_freeze(rng: &mut Rng8) -> Draft {
    let d = Draft::new("POST", BANK, "/api/cards")
        .seg(v::digits(rng, 8), SlotKind::Id)
        .fixed("freeze");
    if chance(rng, 0.5) {
        let reason = *pick(
            rng,
            &["lost", "stolen", "travel", "I'm not sure where it is"],
        );
        d.json("reason", reason, SlotKind::Text)
    } else {
        d
    }
}

fn bank_help_article(rng: &mut Rng8) -> Draft {
    let d = Draft::new("GET", BANK, "/help/article").query(
        "id",
        rng.gen_range(1..900).to_string(),
        SlotKind::Id,
    );
    maybe_lang(rng, d)
}

fn bank_pages(rng: &mut Rng8) -> Draft {
    match rng.gen_range(0..5) {
        0 => Draft::new("GET", BANK, "/dashboard"),
        1 => Draft::new("GET", BANK, "/accounts"),
        2 => Draft::new("GET", BANK, "/accounts").seg(v::digits(rng, 10), SlotKind::Id),
        3 => Draft::new("GET", BANK, "/"),
        _ => Draft::new("GET", BANK, "/cards").seg(v::digits(rng, 8), SlotKind::Id),
    }
}

fn static_asset(rng: &mut Rng8) -> Draft {
    let host = *pick(rng, &[BANK, SHOP, BLOG]);
    let hash = v::hex(rng, 6);
    let (dir, file) = match rng.gen_range(0..9) {
        0 | 1 => ("/static/js", format!("app.{hash}.js")),
        2 => ("/static/js", format!("vendor.{hash}.chunk.js")),
        3 => ("/static/css", format!("main.{hash}.css")),
        4 => (
            "/static/img",
            format!(
                "{}.svg",
                pick(rng, &["logo", "icon-card", "arrow", "spinner"])
            ),
        ),
        5 => (
            "/static/img",
            format!("banner-{}.webp", rng.gen_range(1..9)),
        ),
        6 => (
            "/fonts",
            format!(
                "{}.woff2",
                pick(rng, &["Inter-Regular", "Inter-Bold", "Roboto-Medium"])
            ),
        ),
        7 => ("/", "favicon.ico".to_string()),
        _ => ("/static", "manifest.json".to_string()),
    };
    let d = Draft::new("GET", host, dir).seg(file, SlotKind::File);
    if chance(rng, 0.15) {
        d.query_fixed("v", rng.gen_range(1..40).to_string())
    } else {
        d
    }
}

fn bank_beneficiary(rng: &mut Rng8) -> Draft {
    let alias = *pick(
        rng,
        &[
            "Mum",
            "Landlord",
            "Gym",
            "Casa",
            "Union dues",
            "O'Malley rent",
            "Savings",
        ],
    );
    let spaced = chance(rng, 0.3);
    Draft::new("POST", BANK, "/api/beneficiaries")
        .json("name", v::name_value(rng), SlotKind::Name)
        .json("iban", v::iban(rng, spaced), SlotKind::Id)
        .json("alias", alias, SlotKind::Text)
}

fn bank_exchange_rates(rng: &mut Rng8) -> Draft {
    Draft::new("GET", BANK, "/api/exchange-rates")
        .query("base", *pick(rng, v::CURRENCIES), SlotKind::Choice)
        .query_fixed("symbols", "USD,GBP,CHF")
}

fn xml_prolog(rng: &mut Rng8) -> String {
    match rng.gen_range(0..4) {
        0 => String::new(),
        1 => "<?xml version=\"1.0\"?>".to_string(),
        _ => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>".to_string(),
    }
}

fn bank_statement_import(rng: &mut Rng8) -> Draft {
    let doc = XmlDoc {
        root: "StatementRequest".into(),
        fields: vec![
            ("Account".into(), v::iban(rng, false)),
            ("From".into(), v::date_iso(rng)),
            ("To".into(), v::date_iso(rng)),
            (
                "Format".into(),
                pick(rng, &["camt053", "mt940", "pdf"]).to_string(),
            ),
        ],
        prolog: xml_prolog(rng),
        entity_field: None,
    };
    Draft::new("POST", BANK, "/api/statements/import").xml(doc)
}

// ---- shop -------------------------------------------------------------------------------------

fn shop_search(rng: &mut Rng8) -> Draft {
    let mut d = Draft::new("GET", SHOP, "/search").query("q", v::search_query(rng), SlotKind::Text);
    d = maybe_page(rng, d);
    if chance(rng, 0.4) {
        d = d.query("sort", *pick(rng, v::SORTS), SlotKind::Choice);
    }
    if chance(rng, 0.25) {
        d = d
            .query(
                "min_price",
                rng.gen_range(0..50).to_string(),
                SlotKind::Amount,
            )
            .query(
                "max_price",
                rng.gen_range(50..2000).to_string(),
                SlotKind::Amount,
            );
    }
    maybe_lang(rng, d)
}

fn shop_category(rng: &mut Rng8) -> Draft {
    let mut d =
        Draft::new("GET", SHOP, "/category").seg(*pick(rng, v::CATEGORIES), SlotKind::Choice);
    d = maybe_page(rng, d);
    if chance(rng, 0.4) {
        d = d.query("sort", *pick(rng, v::SORTS), SlotKind::Choice);
    }
    if chance(rng, 0.3) {
        let brand = *pick(
            rng,
            &[
                "acme",
                "nordik",
                "La Española",
                "Müller & Söhne",
                "levi's",
                "h&m",
            ],
        );
        d = d.query("brand", brand, SlotKind::Choice);
    }
    d
}

fn shop_product(rng: &mut Rng8) -> Draft {
    let name: String = pick(rng, v::PRODUCTS)
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                '-'
            }
        })
        .collect();
    let d = Draft::new("GET", SHOP, "/product").seg(
        format!("{name}-{}", rng.gen_range(1000..99999)),
        SlotKind::Id,
    );
    match rng.gen_range(0..3) {
        0 => d
            .query("variant", rng.gen_range(1..20).to_string(), SlotKind::Id)
            .query(
                "color",
                *pick(rng, &["black", "red", "azul", "weiß", "navy"]),
                SlotKind::Choice,
            ),
        1 => d.query_fixed("utm_source", "newsletter"),
        _ => d,
    }
}

fn shop_cart_add(rng: &mut Rng8) -> Draft {
    let d = Draft::new("POST", SHOP, "/cart/add");
    let id = rng.gen_range(1000..99999).to_string();
    let qty = rng.gen_range(1..6).to_string();
    if chance(rng, 0.35) {
        return d
            .json_raw("product_id", id, Some(SlotKind::Id))
            .json_raw("quantity", qty, Some(SlotKind::Amount))
            .json(
                "variant",
                *pick(rng, &["S", "M", "L", "XL", "42", "128GB"]),
                SlotKind::Choice,
            );
    }
    d.form("product_id", id, SlotKind::Id)
        .form("quantity", qty, SlotKind::Amount)
        .form(
            "variant",
            *pick(rng, &["S", "M", "L", "XL", "42", "128GB"]),
            SlotKind::Choice,
        )
}

fn shop_checkout_address(rng: &mut Rng8) -> Draft {
    let notes = if chance(rng, 0.5) {
        String::new()
    } else {
        pick(
            rng,
            &[
                "Leave at the door, please.",
                "Ring twice (bell's broken)",
                "Dejar con el portero",
                "Call me: no answer = neighbour's house",
                "Gate code #4521",
            ],
        )
        .to_string()
    };
    Draft::new("POST", SHOP, "/checkout/address")
        .form("name", v::name_value(rng), SlotKind::Name)
        .form("street", v::street_address(rng), SlotKind::Text)
        .form("city", *pick(rng, v::CITIES), SlotKind::Text)
        .form("zip", v::zip(rng), SlotKind::Id)
        .form("country", *pick(rng, v::COUNTRIES), SlotKind::Choice)
        .form("phone", v::phone(rng), SlotKind::Text)
        .form("notes", notes, SlotKind::Text)
}

fn shop_product_image(rng: &mut Rng8) -> Draft {
    let size = *pick(rng, &[(200, 200), (400, 400), (800, 600), (1200, 1200)]);
    let ext = *pick(rng, &["jpg", "webp", "png"]);
    let d = Draft::new("GET", SHOP, "/img/products").seg(
        format!("{}_{}x{}.{ext}", rng.gen_range(1000..99999), size.0, size.1),
        SlotKind::File,
    );
    if chance(rng, 0.4) {
        d.query_fixed("v", v::hex(rng, 8))
    } else {
        d
    }
}

fn shop_review(rng: &mut Rng8) -> Draft {
    let title = *pick(
        rng,
        &[
            "Great!",
            "Meh",
            "Not as pictured",
            "¡Perfecto!",
            "Worth it",
            "Don't buy",
        ],
    );
    Draft::new("POST", SHOP, "/api/reviews")
        .json_raw(
            "product_id",
            rng.gen_range(1000..99999).to_string(),
            Some(SlotKind::Id),
        )
        .json_raw(
            "rating",
            rng.gen_range(1..6).to_string(),
            Some(SlotKind::Amount),
        )
        .json("title", title, SlotKind::Text)
        .json("text", v::review_text(rng), SlotKind::Text)
        .json("author", v::name_value(rng), SlotKind::Name)
}

fn shop_cart_delete(rng: &mut Rng8) -> Draft {
    Draft::new("DELETE", SHOP, "/api/cart/items")
        .seg(rng.gen_range(1..99999).to_string(), SlotKind::Id)
}

fn shop_cart_patch(rng: &mut Rng8) -> Draft {
    Draft::new("PATCH", SHOP, "/api/cart/items")
        .seg(rng.gen_range(1..99999).to_string(), SlotKind::Id)
        .json_raw(
            "quantity",
            rng.gen_range(1..10).to_string(),
            Some(SlotKind::Amount),
        )
}

fn shop_track_order(rng: &mut Rng8) -> Draft {
    Draft::new("GET", SHOP, "/track")
        .query("order", format!("ORD-{}", v::digits(rng, 7)), SlotKind::Id)
        .query("email", v::email(rng), SlotKind::Email)
}

fn shop_partner_redirect(rng: &mut Rng8) -> Draft {
    Draft::new("GET", SHOP, "/redirect").query("url", v::external_url(rng), SlotKind::Url)
}

fn shop_product_filter_api(rng: &mut Rng8) -> Draft {
    let d = Draft::new("GET", SHOP, "/api/products")
        .query(
            "filter[category]",
            *pick(rng, v::CATEGORIES),
            SlotKind::Choice,
        )
        .query(
            "filter[price][lte]",
            rng.gen_range(10..500).to_string(),
            SlotKind::Amount,
        );
    if chance(rng, 0.5) {
        d.query_fixed("include", "images,variants")
    } else {
        d
    }
}

fn shop_order_import(rng: &mut Rng8) -> Draft {
    let doc = XmlDoc {
        root: "order".into(),
        fields: vec![
            ("customer".into(), v::full_name(rng)),
            ("sku".into(), format!("SKU-{}", v::digits(rng, 6))),
            ("quantity".into(), rng.gen_range(1..50).to_string()),
            ("note".into(), v::review_text(rng)),
        ],
        prolog: xml_prolog(rng),
        entity_field: None,
    };
    Draft::new("POST", SHOP, "/api/orders/import").xml(doc)
}

// ---- blog / CMS -------------------------------------------------------------------------------

fn blog_post(rng: &mut Rng8) -> Draft {
    let (y, m, _) = v::date(rng);
    let d = Draft::new("GET", BLOG, "/blog")
        .fixed(&format!("{y}/{m:02}"))
        .seg(v::slug(rng), SlotKind::Id);
    if chance(rng, 0.15) {
        d.query("ref", v::external_url(rng), SlotKind::Url)
    } else {
        d
    }
}

fn blog_tag(rng: &mut Rng8) -> Draft {
    let d = Draft::new("GET", BLOG, "/tag").seg(*pick(rng, v::TAGS), SlotKind::Choice);
    maybe_page(rng, d)
}

fn blog_index(rng: &mut Rng8) -> Draft {
    let d = Draft::new("GET", BLOG, "/blog");
    let d = if chance(rng, 0.5) {
        let s = match rng.gen_range(0..3) {
            0 => pick(rng, v::BLOG_TOPICS).to_string(),
            1 => pick(rng, v::TAGS).to_string(),
            _ => v::search_query(rng),
        };
        d.query("s", s, SlotKind::Text)
    } else {
        d
    };
    maybe_page(rng, d)
}

fn blog_comment(rng: &mut Rng8) -> Draft {
    let mut d = Draft::new("POST", BLOG, "/blog")
        .seg(v::slug(rng), SlotKind::Id)
        .fixed("comments")
        .form("author", v::name_value(rng), SlotKind::Name)
        .form("email", v::email(rng), SlotKind::Email);
    if chance(rng, 0.4) {
        d = d.form("website", v::external_url(rng), SlotKind::Url);
    }
    d = d.form("comment", v::comment(rng), SlotKind::Text);
    if chance(rng, 0.2) {
        d = d.form(
            "parent_id",
            rng.gen_range(1..9000).to_string(),
            SlotKind::Id,
        );
    }
    d
}

fn blog_feed(rng: &mut Rng8) -> Draft {
    let path = *pick(rng, &["/feed.xml", "/sitemap.xml", "/robots.txt", "/rss"]);
    Draft::new("GET", BLOG, path)
}

fn blog_outbound(rng: &mut Rng8) -> Draft {
    if chance(rng, 0.5) {
        Draft::new("GET", BLOG, "/go").query("ref", v::external_url(rng), SlotKind::Url)
    } else {
        Draft::new("GET", BLOG, "/login").query("next", v::local_redirect(rng), SlotKind::Redirect)
    }
}

fn blog_admin_post(rng: &mut Rng8) -> Draft {
    let tags = format!(
        "[\"{}\",\"{}\"]",
        pick(rng, v::TAGS).replace('"', ""),
        pick(rng, v::TAGS).replace('"', "")
    );
    let title = pick(rng, v::BLOG_TOPICS).to_string();
    let body = match rng.gen_range(0..4) {
        0 => format!(
            "## {title}\n\n{}\n\n*Updated:* {}",
            v::comment(rng),
            v::date_iso(rng)
        ),
        1 => format!(
            "<p>{}</p><p>Use the <b>bold</b> tag sparingly.</p>",
            v::comment(rng)
        ),
        2 => format!(
            "{}\n\n```sql\nSELECT name FROM posts ORDER BY date DESC;\n```",
            v::comment(rng)
        ),
        _ => v::comment(rng),
    };
    let (method, d) = match rng.gen_range(0..3) {
        0 => ("POST", Draft::new("POST", BLOG, "/admin/posts")),
        1 => (
            "PUT",
            Draft::new("PUT", BLOG, "/admin/posts")
                .seg(rng.gen_range(1..3000).to_string(), SlotKind::Id),
        ),
        _ => (
            "PATCH",
            Draft::new("PATCH", BLOG, "/admin/posts")
                .seg(rng.gen_range(1..3000).to_string(), SlotKind::Id),
        ),
    };
    let d = d
        .json("title", title, SlotKind::Text)
        .json("body", body, SlotKind::Text)
        .json_raw("tags", tags, None)
        .json(
            "status",
            *pick(rng, &["draft", "published", "scheduled"]),
            SlotKind::Choice,
        );
    if method != "PATCH" {
        d.json("publish_at", v::datetime_iso(rng), SlotKind::Date)
    } else {
        d
    }
}

fn blog_newsletter(rng: &mut Rng8) -> Draft {
    Draft::new("POST", BLOG, "/newsletter/subscribe")
        .form("email", v::email(rng), SlotKind::Email)
        .form("lang", *pick(rng, v::LANGS), SlotKind::Choice)
}

fn blog_wp_json(rng: &mut Rng8) -> Draft {
    let d = Draft::new("GET", BLOG, "/wp-json/wp/v2/posts").query(
        "per_page",
        *pick(rng, &["5", "10", "20"]),
        SlotKind::Id,
    );
    if chance(rng, 0.5) {
        d.query(
            "search",
            pick(rng, v::BLOG_TOPICS).to_lowercase(),
            SlotKind::Text,
        )
    } else {
        d.query("categories", rng.gen_range(1..40).to_string(), SlotKind::Id)
    }
}

fn blog_share(rng: &mut Rng8) -> Draft {
    Draft::new("GET", BLOG, "/share")
        .query(
            "url",
            format!("https://{BLOG}/blog/{}", v::slug(rng)),
            SlotKind::Url,
        )
        .query(
            "title",
            pick(rng, v::BLOG_TOPICS).to_string(),
            SlotKind::Text,
        )
}

// ---- REST API ---------------------------------------------------------------------------------

fn api_order(rng: &mut Rng8) -> Draft {
    Draft::new("GET", API, "/api/v2/orders").seg(v::uuid(rng), SlotKind::Id)
}

fn api_customer(rng: &mut Rng8) -> Draft {
    let d = Draft::new("GET", API, "/api/v1/customers").seg(v::long_id(rng), SlotKind::Id);
    match rng.gen_range(0..3) {
        0 => d.query("include", "addresses,orders", SlotKind::Choice),
        1 => d.query(
            "fields",
            *pick(rng, &["id,name,email", "name", "id,created_at"]),
            SlotKind::Choice,
        ),
        _ => d,
    }
}

fn api_event(rng: &mut Rng8) -> Draft {
    let payload = format!(
        "{{\"amount\":{},\"items\":[{},{}],\"source\":\"{}\"}}",
        rng.gen_range(1..900),
        rng.gen_range(1..99),
        rng.gen_range(1..99),
        pick(rng, &["web", "ios", "android", "pos"])
    );
    Draft::new("POST", API, "/api/v1/events")
        .json("event_id", v::uuid(rng), SlotKind::Id)
        .json(
            "type",
            *pick(
                rng,
                &[
                    "order.created",
                    "user.login",
                    "payment.failed",
                    "cart.updated",
                ],
            ),
            SlotKind::Choice,
        )
        .json("occurred_at", v::datetime_iso(rng), SlotKind::Date)
        .json_raw("payload", payload, None)
}

fn api_resource_put(rng: &mut Rng8) -> Draft {
    let method = if chance(rng, 0.6) { "PUT" } else { "PATCH" };
    Draft::new(method, API, "/api/v1/resources")
        .seg(v::uuid(rng), SlotKind::Id)
        .json("name", v::name_value(rng), SlotKind::Name)
        .json("description", v::comment(rng), SlotKind::Text)
        .json_raw(
            "tags",
            format!(
                "[\"{}\"]",
                pick(rng, &["prod", "eu-west", "beta", "team:payments"])
            ),
            None,
        )
}

fn api_resource_delete(rng: &mut Rng8) -> Draft {
    Draft::new("DELETE", API, "/api/v1/resources").seg(v::uuid(rng), SlotKind::Id)
}

fn api_oauth_token(rng: &mut Rng8) -> Draft {
    Draft::new("POST", API, "/oauth/token")
        .form_fixed("grant_type", "refresh_token")
        .form("refresh_token", v::b64_token(rng, 32), SlotKind::Secret)
        .form("client_id", v::hex(rng, 16), SlotKind::Id)
}

fn api_search_filters(rng: &mut Rng8) -> Draft {
    Draft::new("GET", API, "/api/v1/search")
        .query(
            "filter[status]",
            *pick(rng, &["active", "pending", "closed"]),
            SlotKind::Choice,
        )
        .query("filter[created_at][gte]", v::date_iso(rng), SlotKind::Date)
        .query("page[size]", *pick(rng, &["25", "50", "100"]), SlotKind::Id)
}

fn api_webhook(rng: &mut Rng8) -> Draft {
    Draft::new("POST", API, "/api/v1/webhooks")
        .json(
            "url",
            format!("https://hooks.example.io/{}", v::b64_url(rng, 12)),
            SlotKind::Url,
        )
        .json_raw("events", "[\"order.created\",\"order.refunded\"]", None)
        .json("secret", v::b64_token(rng, 24), SlotKind::Secret)
}

fn api_invoice_import(rng: &mut Rng8) -> Draft {
    let doc = XmlDoc {
        root: "invoice".into(),
        fields: vec![
            ("number".into(), format!("INV-{}", v::digits(rng, 6))),
            ("customer".into(), v::full_name(rng)),
            ("amount".into(), v::amount(rng)),
            ("currency".into(), pick(rng, v::CURRENCIES).to_string()),
            ("due_date".into(), v::date_iso(rng)),
        ],
        prolog: xml_prolog(rng),
        entity_field: None,
    };
    Draft::new("POST", API, "/api/v1/invoices/import").xml(doc)
}

fn api_reports(rng: &mut Rng8) -> Draft {
    Draft::new("GET", API, "/api/v1/reports")
        .query("from", v::datetime_iso(rng), SlotKind::Date)
        .query("to", v::datetime_iso(rng), SlotKind::Date)
        .query(
            "tz",
            *pick(
                rng,
                &[
                    "Europe/Madrid",
                    "America/Bogota",
                    "UTC",
                    "America/Sao_Paulo",
                ],
            ),
            SlotKind::Choice,
        )
}

fn api_graphql(rng: &mut Rng8) -> Draft {
    let query = match rng.gen_range(0..3) {
        0 => format!(
            "query {{ user(id: {}) {{ name email }} }}",
            rng.gen_range(1..99999)
        ),
        1 => "query Orders($first: Int) { orders(first: $first) { id total status } }".to_string(),
        _ => format!(
            "mutation {{ addNote(orderId: \"{}\", text: \"{}\") {{ id }} }}",
            v::uuid(rng),
            pick(rng, &["ring twice", "gift wrap please", "don't bend"])
        ),
    };
    Draft::new("POST", API, "/graphql")
        .json("query", query, SlotKind::Text)
        .json_raw(
            "variables",
            format!("{{\"first\":{}}}", rng.gen_range(5..50)),
            None,
        )
}

fn api_template(rng: &mut Rng8) -> Draft {
    let subject = *pick(
        rng,
        &[
            "Hello {{first_name}}, your order shipped",
            "Your statement for {{month}} is ready",
            "Welcome aboard!",
            "Reminder: payment due {{due_date}}",
        ],
    );
    Draft::new("POST", API, "/api/v1/templates")
        .json(
            "name",
            format!("email_{}", pick(rng, &["shipping", "welcome", "reminder"])),
            SlotKind::Name,
        )
        .json("subject", subject, SlotKind::Text)
        .json("body", v::comment(rng), SlotKind::Text)
}

fn api_file_download(rng: &mut Rng8) -> Draft {
    Draft::new("GET", API, "/api/v1/files")
        .seg(v::uuid(rng), SlotKind::Id)
        .fixed("download")
        .query("name", v::file_name(rng), SlotKind::File)
}

fn api_avatar_url(rng: &mut Rng8) -> Draft {
    Draft::new("POST", API, "/api/v1/users/avatar").json(
        "image_url",
        format!("https://cdn.example.com/u/{}.jpg", v::hex(rng, 10)),
        SlotKind::Url,
    )
}

fn api_link_preview(rng: &mut Rng8) -> Draft {
    Draft::new("GET", API, "/api/v1/preview").query("url", v::external_url(rng), SlotKind::Url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn every_endpoint_builds_and_renders() {
        let mut rng = Rng8::seed_from_u64(9);
        for (i, e) in ENDPOINTS.iter().enumerate() {
            for _ in 0..20 {
                let built = (e.build)(&mut rng);
                let d = dress(&mut rng, built);
                let r = d.render();
                assert!(r.url.starts_with('/'), "endpoint {i}: {}", r.url);
                assert!(!r.method.is_empty());
                assert!(r.header("user-agent").is_some());
                if !r.body.is_empty() {
                    assert!(r.header("content-type").is_some(), "endpoint {i}");
                }
            }
        }
    }
}
