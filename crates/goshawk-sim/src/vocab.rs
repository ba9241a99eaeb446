//! The words and value shapes real users send: international names, addresses, products in
//! several languages, prose with punctuation and emoji, identifiers, tokens, dates and browsers.
//! A share of values are deliberate look-alikes (`O'Brien`, `Union Street`, `select a plan`,
//! `the <b> tag`) so that "contains a quote or an SQL word" is not a usable shortcut for a model.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub(crate) type Rng8 = ChaCha8Rng;

/// A uniformly chosen element of a non-empty constant table.
pub(crate) fn pick<'a, T>(rng: &mut Rng8, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

pub(crate) fn chance(rng: &mut Rng8, p: f64) -> bool {
    rng.gen_bool(p.clamp(0.0, 1.0))
}

/// A weighted choice from a non-empty constant table of `(weight, item)`.
pub(crate) fn weighted<'a, T>(rng: &mut Rng8, items: &'a [(u32, T)]) -> &'a T {
    let total: u32 = items.iter().map(|(w, _)| *w).sum();
    let mut roll = rng.gen_range(0..total.max(1));
    for (w, item) in items {
        if roll < *w {
            return item;
        }
        roll -= w;
    }
    &items[items.len() - 1].1
}

/// How often a free-text or name value is one of the benign look-alikes.
const LOOKALIKE_RATE: f64 = 0.07;

pub(crate) const FIRST_NAMES: &[&str] = &[
    "James",
    "María",
    "José",
    "Zoë",
    "Søren",
    "Siobhán",
    "Łukasz",
    "Ngọc",
    "Aarav",
    "Fatima",
    "Chloé",
    "Björn",
    "Ana",
    "Wei",
    "Hannah",
    "Ahmed",
    "Olga",
    "Kenji",
    "Mateo",
    "Camila",
    "Émilie",
    "Jürgen",
    "Inês",
    "Noah",
    "Amara",
    "Liam",
    "Sofía",
    "Lucas",
    "Yuki",
    "Priya",
    "Carlos",
    "Laura",
    "Tomás",
    "Agnieszka",
    "Oluwaseun",
    "Mohammed",
    "Elena",
    "Pierre",
    "Giulia",
    "Sean",
    "Aoife",
    "Raúl",
    "Dmitri",
    "Mei",
    "Thiago",
    "Valentina",
    "Jack",
    "Emma",
    "Daniel",
    "Nuria",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Smith",
    "García",
    "O'Brien",
    "D'Angelo",
    "Müller",
    "Núñez",
    "Kowalski",
    "Nguyen",
    "Patel",
    "Rossi",
    "Dubois",
    "Andersen",
    "Silva",
    "Tanaka",
    "Ivanova",
    "O'Neill",
    "McDonald",
    "van der Berg",
    "López",
    "Schmidt",
    "Johnson",
    "Okafor",
    "Al-Sayed",
    "Fernández-Pérez",
    "D'Souza",
    "Brown",
    "Martínez",
    "Jensen",
    "Kim",
    "Costa",
    "Wójcik",
    "Yılmaz",
    "Hernández",
    "Byrne",
    "Moreau",
    "Fischer",
    "Sato",
    "Ferreira",
    "Ahmed",
    "Gómez",
];

const DOMAINS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "yahoo.es",
    "proton.me",
    "example.com",
    "mail.example.org",
    "icloud.com",
    "web.de",
    "orange.fr",
    "uol.com.br",
    "company.example",
    "uni-example.edu",
];

pub(crate) const CITIES: &[&str] = &[
    "Madrid",
    "Bogotá",
    "São Paulo",
    "München",
    "Köln",
    "Zürich",
    "Kraków",
    "Montréal",
    "Dublin",
    "Lisboa",
    "Paris",
    "New York",
    "Chicago",
    "Medellín",
    "Ciudad de México",
    "Málaga",
    "Sevilla",
    "Porto",
    "Lyon",
    "Berlin",
    "Toronto",
    "Austin",
    "Cork",
    "Valencia",
];

pub(crate) const COUNTRIES: &[&str] = &[
    "ES", "CO", "BR", "DE", "CH", "PL", "CA", "IE", "PT", "FR", "US", "MX",
];

pub(crate) const CURRENCIES: &[&str] = &["EUR", "USD", "GBP", "MXN", "COP", "BRL", "CHF", "PLN"];

pub(crate) const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const MERCHANTS: &[&str] = &[
    "Mercadona",
    "Carrefour",
    "Lidl",
    "O'Reilly Auto Parts",
    "Uber",
    "Café Olé",
    "Starbucks",
    "Zara",
    "Netflix",
    "El Corte Inglés",
    "Spotify",
    "Renfe",
    "Decathlon",
    "McDonald's",
    "Leroy Merlin",
    "Shell",
    "Ryanair",
];

/// Lower-case ASCII spelling of a name for logins and e-mail addresses (`Łukasz` → `lukasz`).
fn fold_ascii(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter_map(|c| {
            Some(match c {
                'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'í' | 'ì' | 'î' | 'ï' | 'ı' => 'i',
                'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ọ' => 'o',
                'ú' | 'ù' | 'û' | 'ü' => 'u',
                'ñ' | 'ń' => 'n',
                'ç' => 'c',
                'ø' => 'o',
                'ł' => 'l',
                'ś' => 's',
                'ź' | 'ż' => 'z',
                'ğ' => 'g',
                c if c.is_ascii_alphanumeric() => c,
                _ => return None,
            })
        })
        .collect()
}

pub(crate) fn full_name(rng: &mut Rng8) -> String {
    format!("{} {}", pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES))
}

/// A login name: `maria.garcia`, `jobrien`, `kenji84`, sometimes an e-mail, rarely with accents
/// or an apostrophe kept.
pub(crate) fn username(rng: &mut Rng8) -> String {
    let first = *pick(rng, FIRST_NAMES);
    let last = *pick(rng, LAST_NAMES);
    let (f, l) = if chance(rng, 0.08) {
        (first.to_lowercase(), last.to_lowercase().replace(' ', ""))
    } else {
        (fold_ascii(first), fold_ascii(last))
    };
    let initial: String = f.chars().take(1).collect();
    match rng.gen_range(0..7) {
        0 => format!("{f}.{l}"),
        1 => format!("{initial}{l}"),
        2 => format!("{f}{}", rng.gen_range(1..=99)),
        3 => format!("{l}_{initial}"),
        4 => email(rng),
        5 => format!("{f}_{l}{}", rng.gen_range(1970..=2006)),
        _ => format!("{f}{l}"),
    }
}

pub(crate) fn email(rng: &mut Rng8) -> String {
    let (first, last) = (*pick(rng, FIRST_NAMES), *pick(rng, LAST_NAMES));
    let (f, l) = (fold_ascii(first), fold_ascii(last));
    let domain = pick(rng, DOMAINS);
    match rng.gen_range(0..6) {
        0 => format!("{f}.{l}@{domain}"),
        1 => format!("{f}{}@{domain}", rng.gen_range(1..=999)),
        2 => format!("{l}+bank@{domain}"),
        3 => format!("{}.{l}@{domain}", f.chars().next().unwrap_or('x')),
        4 => format!("{f}_{l}@{domain}"),
        _ => format!("{f}@{domain}"),
    }
}

/// Passwords as people and password managers make them: words with digits and symbols, quotes
/// and semicolons included.
pub(crate) fn password(rng: &mut Rng8) -> String {
    const WORDS: &[&str] = &[
        "sunshine",
        "Dragon",
        "monkey",
        "Barcelona",
        "qwerty",
        "Tr0ub4dor",
        "letmein",
        "Madrid",
        "football",
        "princesa",
        "Passw0rd",
        "shadow",
        "hunter",
        "corazón",
        "Summer",
        "iloveyou",
    ];
    const SYMBOLS: &[&str] = &[
        "!", "@", "#", "$", "%", "&", "*", "?", ".", "_", "'", ";", "\"", "-",
    ];
    match rng.gen_range(0..5) {
        0 => format!(
            "{}{}{}",
            pick(rng, WORDS),
            rng.gen_range(0..=2025),
            pick(rng, SYMBOLS)
        ),
        1 => {
            const CHARSET: &[u8] =
                b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@#$%^&*()-_=+[]{};:,.?'\"";
            (0..rng.gen_range(12..=24))
                .map(|_| char::from(*pick(rng, CHARSET)))
                .collect()
        }
        2 => format!(
            "{} {} {} {}",
            pick(rng, WORDS).to_lowercase(),
            pick(
                rng,
                &["horse", "battery", "staple", "river", "cloud", "tiger"]
            ),
            pick(rng, &["correct", "blue", "seven", "lazy", "happy"]),
            pick(rng, &["staple", "moon", "lamp", "bridge"])
        ),
        3 => format!(
            "{}{}{}{}",
            pick(rng, FIRST_NAMES),
            pick(rng, SYMBOLS),
            rng.gen_range(10..=99),
            pick(rng, SYMBOLS)
        ),
        _ => format!("{}{}", pick(rng, WORDS), rng.gen_range(100..=99999)),
    }
}

pub(crate) fn digits(rng: &mut Rng8, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

pub(crate) fn hex(rng: &mut Rng8, n: usize) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    (0..n).map(|_| char::from(*pick(rng, HEX))).collect()
}

pub(crate) fn uuid(rng: &mut Rng8) -> String {
    format!(
        "{}-{}-4{}-{}{}-{}",
        hex(rng, 8),
        hex(rng, 4),
        hex(rng, 3),
        pick(rng, &['8', '9', 'a', 'b']),
        hex(rng, 3),
        hex(rng, 12)
    )
}

/// A 64-bit style id (snowflake, database key).
pub(crate) fn long_id(rng: &mut Rng8) -> String {
    rng.gen_range(100_000_000_000_000_000u64..=1_999_999_999_999_999_999)
        .to_string()
}

pub(crate) fn iban(rng: &mut Rng8, spaced: bool) -> String {
    let country = pick(rng, &["ES", "DE", "FR", "PT", "IE", "IT", "NL"]);
    let body = digits(rng, 22);
    let mut out = format!("{country}{body}");
    if spaced {
        out = out
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
    }
    out
}

/// An account reference as the bank's pages use it: short number, IBAN, or masked card.
pub(crate) fn account_ref(rng: &mut Rng8) -> String {
    match rng.gen_range(0..5) {
        0 | 1 => digits(rng, 10),
        2 => iban(rng, false),
        3 => iban(rng, true),
        _ => format!("ACC-{}", digits(rng, 6)),
    }
}

pub(crate) fn amount(rng: &mut Rng8) -> String {
    let cents = rng.gen_range(0..100);
    let whole = match rng.gen_range(0..4) {
        0 => rng.gen_range(1..20),
        1 => rng.gen_range(20..300),
        2 => rng.gen_range(300..5000),
        _ => rng.gen_range(5000..60000),
    };
    match rng.gen_range(0..6) {
        0 => whole.to_string(),
        1 if whole >= 1000 => format!("{},{:03}.{cents:02}", whole / 1000, whole % 1000),
        2 => format!("{whole},{cents:02}"),
        _ => format!("{whole}.{cents:02}"),
    }
}

pub(crate) fn date(rng: &mut Rng8) -> (u32, u32, u32) {
    (
        rng.gen_range(2019..=2025),
        rng.gen_range(1..=12),
        rng.gen_range(1..=28),
    )
}

pub(crate) fn date_iso(rng: &mut Rng8) -> String {
    let (y, m, d) = date(rng);
    format!("{y}-{m:02}-{d:02}")
}

/// A date as a form field: mostly ISO, sometimes the local `dd/mm/yyyy`.
pub(crate) fn date_input(rng: &mut Rng8) -> String {
    let (y, m, d) = date(rng);
    match rng.gen_range(0..5) {
        0 => format!("{d:02}/{m:02}/{y}"),
        1 => format!("{m:02}/{d:02}/{y}"),
        _ => format!("{y}-{m:02}-{d:02}"),
    }
}

pub(crate) fn datetime_iso(rng: &mut Rng8) -> String {
    let (y, m, d) = date(rng);
    let (h, mi, s) = (
        rng.gen_range(0..24),
        rng.gen_range(0..60),
        rng.gen_range(0..60),
    );
    match rng.gen_range(0..3) {
        0 => format!("{y}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
        1 => format!(
            "{y}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}+0{}:00",
            rng.gen_range(0..1000),
            rng.gen_range(0..3)
        ),
        _ => format!(
            "{y}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:06}Z",
            rng.gen_range(0..1_000_000)
        ),
    }
}

pub(crate) fn b64_token(rng: &mut Rng8, bytes: usize) -> String {
    let raw: Vec<u8> = (0..bytes).map(|_| rng.gen()).collect();
    STANDARD.encode(raw)
}

pub(crate) fn b64_url(rng: &mut Rng8, bytes: usize) -> String {
    let raw: Vec<u8> = (0..bytes).map(|_| rng.gen()).collect();
    URL_SAFE_NO_PAD.encode(raw)
}

/// A JSON Web Token with a real-looking header and claims.
pub(crate) fn jwt(rng: &mut Rng8) -> String {
    let alg = pick(rng, &["HS256", "RS256", "ES256"]);
    let header = format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#);
    let claims = format!(
        r#"{{"sub":"{}","iat":{},"exp":{},"scope":"{}"}}"#,
        rng.gen_range(1000..9_999_999),
        rng.gen_range(1_600_000_000u64..1_750_000_000),
        rng.gen_range(1_750_000_000u64..1_800_000_000),
        pick(
            rng,
            &[
                "read",
                "read write",
                "accounts:read transfers:write",
                "profile"
            ]
        )
    );
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims),
        b64_url(rng, 32)
    )
}

pub(crate) fn street_address(rng: &mut Rng8) -> String {
    let n = rng.gen_range(1..300);
    let m = rng.gen_range(1..40);
    match rng.gen_range(0..12) {
        0 => format!("{n} Union Street"),
        1 => format!("Calle Mayor {n}, {m}º B"),
        2 => format!("{n} Rue de l'Église"),
        3 => format!("Hauptstraße {n}"),
        4 => format!("{n} O'Connell Street, Apt #{m}"),
        5 => format!("Rua Augusta {n}, {m}º Esq."),
        6 => format!("{n} Main St. Apt {m}"),
        7 => format!("ul. Długa {n}/{m}"),
        8 => format!("Via Roma {n}"),
        9 => format!("{n} Church Lane (rear entrance)"),
        10 => format!("Carrera {n} # {m}-{}", rng.gen_range(1..99)),
        _ => format!("{n} Orchard Road"),
    }
}

pub(crate) fn phone(rng: &mut Rng8) -> String {
    match rng.gen_range(0..4) {
        0 => format!(
            "+34 6{} {} {}",
            digits(rng, 2),
            digits(rng, 3),
            digits(rng, 3)
        ),
        1 => format!(
            "+1 ({}) {}-{}",
            digits(rng, 3),
            digits(rng, 3),
            digits(rng, 4)
        ),
        2 => format!("+49{}", digits(rng, 10)),
        _ => format!("0{}", digits(rng, 9)),
    }
}

pub(crate) fn zip(rng: &mut Rng8) -> String {
    match rng.gen_range(0..3) {
        0 => digits(rng, 5),
        1 => format!("{}-{}", digits(rng, 5), digits(rng, 3)),
        _ => format!("D0{} X{}", digits(rng, 1), digits(rng, 3)),
    }
}

pub(crate) const PRODUCTS: &[&str] = &[
    "wireless earbuds",
    "running shoes",
    "coffee grinder",
    "yoga mat",
    "usb-c cable 2m",
    "27\" 4k monitor",
    "kid's rain jacket",
    "drop earrings",
    "select comfort pillow",
    "union jack mug",
    "script font stamp set",
    "sleep mask",
    "ping pong paddle",
    "cat tree",
    "shell necklace",
    "id card holder",
    "table lamp",
    "mechanical keyboard",
    "baby monitor",
    "zapatillas de fútbol niño",
    "cafetera italiana",
    "piñata cumpleaños",
    "jamón ibérico",
    "camiseta algodón",
    "mochila escolar",
    "muñeca de trapo",
    "crème hydratante",
    "pâte à tartiner",
    "écouteurs sans fil",
    "théière en fonte",
    "Kaffeemühle",
    "Bücherregal weiß",
    "Wanderschuhe Größe 42",
    "Müsli ohne Zucker",
    "pão de queijo",
    "caneca térmica",
    "chinelo",
    "抹茶",
    "コーヒー豆",
    "чайник",
    "żelazko parowe",
    "çay bardağı",
    "air fryer 5.5l",
    "iphone 15 case",
    "lego technic",
    "garden hose 30m",
    "women's raincoat",
    "men's wallet (leather)",
    "gaming chair",
    "robot vacuum",
];

const PRODUCT_MODIFIERS: &[&str] = &[
    "",
    "",
    "",
    "cheap",
    "for kids",
    "size 42",
    "red",
    "under 50",
    "2024",
    "pack of 3",
    "barato",
    "pas cher",
    "günstig",
    "black friday",
    "sale",
    "xl",
    "negro",
    "blanc",
    "refurbished",
    "with warranty",
    "& accessories",
    "-used",
];

pub(crate) fn search_query(rng: &mut Rng8) -> String {
    let product = *pick(rng, PRODUCTS);
    let modifier = *pick(rng, PRODUCT_MODIFIERS);
    let q = if modifier.is_empty() {
        product.to_string()
    } else if chance(rng, 0.5) {
        format!("{product} {modifier}")
    } else {
        format!("{modifier} {product}")
    };
    match rng.gen_range(0..12) {
        0 => q.to_uppercase(),
        1 => format!("\"{q}\""),
        2 => q.split(' ').next().unwrap_or(product).to_string(),
        _ => q,
    }
}

pub(crate) const CATEGORIES: &[&str] = &[
    "electronics",
    "home-kitchen",
    "ropa-mujer",
    "niños",
    "jardín",
    "sports",
    "bücher",
    "beauty",
    "toys",
    "audio",
    "computers/laptops",
    "shoes",
    "gifts-for-him",
    "épicerie",
];

pub(crate) const SORTS: &[&str] = &[
    "relevance",
    "price_asc",
    "price_desc",
    "newest",
    "rating",
    "-created_at",
    "name",
    "popularity",
    "date",
    "order by date",
];

pub(crate) const LANGS: &[&str] = &[
    "en", "es", "de", "fr", "pt-BR", "es-CO", "en-GB", "it", "pl",
];

pub(crate) const BLOG_TOPICS: &[&str] = &[
    "Rust lifetimes",
    "sourdough starters",
    "budget travel in Portugal",
    "home espresso",
    "TypeScript generics",
    "minimalist wardrobes",
    "index funds",
    "ramen recipes",
    "Kubernetes on a Raspberry Pi",
    "balcony gardening",
    "learning Japanese",
    "bike commuting",
    "SQL window functions",
    "sleep hygiene",
    "CSS grid layouts",
    "film photography",
    "the Union Pacific railroad",
    "screenwriting",
    "drop shipping",
    "retirement planning",
];

pub(crate) const TAGS: &[&str] = &[
    "rust",
    "cooking",
    "travel",
    "finance",
    "javascript",
    "css",
    "photography",
    "gardening",
    "productivity",
    "mental-health",
    "diy",
    "linux",
    "café",
    "recetas",
    "économie",
    "c++",
    "c#",
    "node.js",
    "how-to",
    "q&a",
];

/// A URL-safe slug of a few words: `budget-travel-in-portugal-2`.
pub(crate) fn slug(rng: &mut Rng8) -> String {
    let topic = pick(rng, BLOG_TOPICS).to_lowercase();
    let mut s: String = topic
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    if chance(rng, 0.3) {
        let suffix = *pick(
            rng,
            &["-guide", "-tips", "-101", "-part-2", "-in-2024", "-faq"],
        );
        s.push_str(suffix);
    }
    if chance(rng, 0.1) {
        s.push_str(&format!("-{}", rng.gen_range(2..9)));
    }
    s
}

const SUPPORT_SENTENCES: &[&str] = &[
    "Hi, I can't log in since yesterday's update.",
    "My card was declined at {merchant} even though the balance shows {amount} {cur}.",
    "Could you please check transfer #{n}? It hasn't arrived yet.",
    "I'd like to change my address to {street}.",
    "The statement for {month} is missing a payment (about {amount} {cur}).",
    "Why was I charged a {amount} fee?",
    "Thanks for the quick help last time!",
    "The app says \"session expired\" every 5 minutes.",
    "I think someone used my card; please block it ASAP.",
    "Is there a way to export transactions as CSV?",
    "Please call me back at {phone}, preferably after 6pm.",
    "My e-mail changed, the new one is {email}.",
    "The PDF of my {month} statement won't open on my phone.",
    "Can I raise the daily limit to {amount} {cur} for one week?",
    "I sent money to the wrong IBAN, can it be reversed?",
    "Hola, no puedo acceder a mi cuenta desde el móvil.",
    "¿Podrían revisar la transferencia de {amount} €?",
    "Gracias por la ayuda, ¡muy amables!",
    "El pago a la señora Núñez no aparece todavía.",
    "Bonjour, je n'arrive pas à télécharger mon relevé.",
    "Merci d'avance !",
    "Ich habe eine Frage zur Überweisung vom {date}.",
    "Viele Grüße aus München",
    "Olá, não consigo ver o extrato de março.",
    "Best regards, {name}",
    "Thanks 🙏",
    "Is this a scam? I got an SMS asking for my PIN 😟",
    "Ref: ticket {n} (still open).",
];

const LOOKALIKE_SENTENCES: &[&str] = &[
    "I tried to select a plan in the drop-down but nothing happens.",
    "My street is Union Street, not Onion Street :)",
    "I work as a script writer, is that a valid occupation for the form?",
    "Please order by date, the list is confusing.",
    "The file is saved at C:\\Users\\{first}\\Downloads\\statement.pdf but won't open.",
    "In the FAQ the <b> tag shows up literally.",
    "My son says 1=1 in math is always true, but my balance doesn't add up!",
    "I'm O'Brien with an apostrophe and the form keeps rejecting it.",
    "Where's the \"delete account\" option?",
    "The page greets me with {{first_name}} instead of my name.",
    "The screen said 'select an account' and then froze.",
    "Can I drop the second card from my account?",
    "Tried again & again -- still nothing.",
    "My password has a # and a ; in it, is that OK?",
    "I'm at 50% of my limit (see screenshot).",
    "The link https://bank.example.com/help?topic=cards&lang=en doesn't load.",
    "Use 'single' and \"double\" quotes consistently, it's confusing.",
    "Is 1 < 2 > 0 even valid syntax? asking for my kid.",
    "I ran the update script and it printed OR/AND errors.",
    "Select * items from the shop page are missing prices.",
    "The insert key on the on-screen keyboard doesn't work.",
    "Order #{n}; shipped to Union Square.",
    "Where do I find the /etc folder on a Mac? Support told me to look there.",
    "The admin said to type 'yes' then press Enter.",
    "ping me when it's fixed, thanks",
    "cat pictures attached (my cat walked on the keyboard)",
];

const COMMENT_SENTENCES: &[&str] = &[
    "Great post! I didn't know about {topic}.",
    "Thanks for sharing (bookmarked).",
    "Isn't {topic} a bit overrated now?",
    "I'd add that \"practice beats theory\" here.",
    "Check out https://{blogdomain}/{slug} for more.",
    "You can reach me at {email}.",
    "Lol, this made my day 😂",
    "Typo in the 2nd paragraph: \"teh\" → \"the\".",
    "How does this compare to {topic}?",
    "I've been doing this for 3 years and it works.",
    "Does anyone have a link to part 1?",
    "Muy buen artículo, ¡gracias!",
    "Merci pour l'article, très clair.",
    "Super Beitrag 👍",
    "Why not just use a spreadsheet?",
    "This is the best explanation I've read so far.",
    "Could you write a follow-up on {topic}?",
    "10/10 would read again ❤️",
    "Wait... step 3 didn't work for me (Windows 11).",
    "Agreed with {name} above.",
];

/// Makes the text for one placeholder of a sentence template.
type Filler = fn(&mut Rng8) -> String;

/// A sentence template filled with concrete values.
fn fill(rng: &mut Rng8, template: &str) -> String {
    let mut out = template.to_string();
    let subs: &[(&str, Filler)] = &[
        ("{merchant}", |r| pick(r, MERCHANTS).to_string()),
        ("{amount}", amount),
        ("{cur}", |r| pick(r, CURRENCIES).to_string()),
        ("{n}", |r| r.gen_range(1000..999_999).to_string()),
        ("{street}", street_address),
        ("{month}", |r| pick(r, MONTHS).to_string()),
        ("{phone}", phone),
        ("{email}", email),
        ("{date}", date_input),
        ("{name}", full_name),
        ("{first}", |r| pick(r, FIRST_NAMES).to_string()),
        ("{topic}", |r| pick(r, BLOG_TOPICS).to_string()),
        ("{slug}", slug),
        ("{blogdomain}", |r| {
            pick(
                r,
                &["dev.example.net", "blog.example.org", "medium.example.com"],
            )
            .to_string()
        }),
    ];
    for (key, make) in subs {
        while let Some(at) = out.find(key) {
            let value = make(rng);
            out.replace_range(at..at + key.len(), &value);
        }
    }
    out
}

fn paragraph(rng: &mut Rng8, sentences: &[&str], min: usize, max: usize) -> String {
    let count = rng.gen_range(min..=max);
    let mut parts = Vec::with_capacity(count);
    for _ in 0..count {
        let template = if chance(rng, LOOKALIKE_RATE) {
            pick(rng, LOOKALIKE_SENTENCES)
        } else {
            pick(rng, sentences)
        };
        parts.push(fill(rng, template));
    }
    let sep = if chance(rng, 0.15) { "\n" } else { " " };
    parts.join(sep)
}

pub(crate) fn support_message(rng: &mut Rng8) -> String {
    paragraph(rng, SUPPORT_SENTENCES, 1, 4)
}

pub(crate) fn comment(rng: &mut Rng8) -> String {
    paragraph(rng, COMMENT_SENTENCES, 1, 3)
}

pub(crate) fn subject(rng: &mut Rng8) -> String {
    const SUBJECTS: &[&str] = &[
        "Card declined",
        "Transfer not received",
        "Login problem",
        "Change of address",
        "Question about fees",
        "Problema con mi tarjeta",
        "Statement missing",
        "App crashes",
        "Select a plan - error",
        "Re: your ticket",
        "URGENT: card stolen!!",
        "Frage zur Gebühr",
        "Can't drop second card",
        "Union dues payment",
        "Suspicious SMS?",
    ];
    pick(rng, SUBJECTS).to_string()
}

pub(crate) fn memo(rng: &mut Rng8) -> String {
    const MEMOS: &[&str] = &[
        "Rent {month}",
        "Dinner at {merchant}",
        "Refund - order #{n}",
        "union dues",
        "Gift for {first} 🎁",
        "pago alquiler",
        "Miete {month}",
        "Split bill (50/50)",
        "Savings -> holiday",
        "loan repayment 3/12",
        "select plan fee",
        "drop-off parking",
        "",
        "",
        "Concert tickets",
        "Reembolso cena",
        "Loyer + charges",
        "for O'Malley's pub",
        "invoice {n}",
        "school trip; thanks!",
    ];
    let template = *pick(rng, MEMOS);
    fill(rng, template)
}

pub(crate) fn review_text(rng: &mut Rng8) -> String {
    const REVIEWS: &[&str] = &[
        "Works as described. Delivery took 3 days.",
        "Not bad for the price, but the cable is short (1m?).",
        "My kid's favourite toy now!",
        "Calidad excelente, llegó antes de lo previsto.",
        "Produit conforme, je recommande.",
        "Stopped working after 2 weeks :(",
        "5 stars ⭐⭐⭐⭐⭐",
        "Size runs small - order one size up.",
        "The \"waterproof\" claim is... optimistic.",
        "Would buy again. 10/10",
        "Sehr gut verarbeitet, schnelle Lieferung.",
        "Good, but the drop-down for colours on the site was confusing.",
    ];
    let first = *pick(rng, REVIEWS);
    if chance(rng, 0.3) {
        format!("{first} {}", pick(rng, REVIEWS))
    } else {
        first.to_string()
    }
}

/// Free text for a name-like field, now and then a benign look-alike.
pub(crate) fn name_value(rng: &mut Rng8) -> String {
    if chance(rng, LOOKALIKE_RATE) {
        const NAMES: &[&str] = &[
            "O'Brien",
            "Conan O'Brien",
            "D'Arcy",
            "Mary-Jane O'Neill",
            "Dr. Select",
            "Ms. Drop",
            "Rowan (Ro) Smith",
            "José \"Pepe\" García",
        ];
        return pick(rng, NAMES).to_string();
    }
    full_name(rng)
}

/// An absolute URL to somewhere else on the web, as shared links and referrers carry.
pub(crate) fn external_url(rng: &mut Rng8) -> String {
    let host = *pick(
        rng,
        &[
            "news.example.com",
            "www.google.com",
            "t.co",
            "partner.example.net",
            "www.bing.com",
            "l.facebook.com",
            "blog.example.org",
            "cdn.example.com",
            "hooks.example.io",
            "duckduckgo.com",
            "www.reddit.com",
            "medium.example.com",
        ],
    );
    match rng.gen_range(0..6) {
        0 => format!("https://{host}/a"),
        1 => format!("https://{host}/{}", slug(rng)),
        2 => format!(
            "https://{host}/search?q={}",
            pick(rng, &["bank+fees", "best+shoes", "rust"])
        ),
        3 => format!(
            "https://{host}/{}/{}",
            rng.gen_range(2019..2026),
            hex(rng, 8)
        ),
        4 => format!("http://{host}/"),
        _ => format!(
            "https://{host}/p/{}?utm_source=newsletter&utm_medium=email",
            digits(rng, 6)
        ),
    }
}

/// A same-site destination (`next=`, `return_to=`).
pub(crate) fn local_redirect(rng: &mut Rng8) -> String {
    const TARGETS: &[&str] = &[
        "/account",
        "/dashboard",
        "/dashboard?tab=cards",
        "/cart",
        "/checkout",
        "/orders",
        "/account/settings",
        "/",
        "/blog",
        "/transfer/internal",
        "/statements",
        "/support/tickets",
        "/wishlist",
        "/profile#security",
    ];
    pick(rng, TARGETS).to_string()
}

pub(crate) fn file_name(rng: &mut Rng8) -> String {
    let (y, m, _) = date(rng);
    match rng.gen_range(0..8) {
        0 => format!("statement_{y}_{m:02}.pdf"),
        1 => format!("invoice-INV-{y}-{}.pdf", digits(rng, 4)),
        2 => format!("report_{}.csv", hex(rng, 6)),
        3 => format!("avatar_{}.png", digits(rng, 5)),
        4 => format!("contract ({}).pdf", rng.gen_range(1..4)),
        5 => format!("IMG_{}.JPG", digits(rng, 4)),
        6 => format!("export-{y}{m:02}.xlsx"),
        _ => format!("terms_{}.html", pick(rng, LANGS)),
    }
}

pub(crate) fn client_ip(rng: &mut Rng8) -> String {
    match rng.gen_range(0..5) {
        0 => format!(
            "10.{}.{}.{}",
            rng.gen_range(0..256),
            rng.gen_range(0..256),
            rng.gen_range(1..255)
        ),
        1 => format!(
            "192.168.{}.{}",
            rng.gen_range(0..256),
            rng.gen_range(1..255)
        ),
        2 => format!(
            "2a02:{:x}:{:x}::{:x}",
            rng.gen_range(0..0xffff),
            rng.gen_range(0..0xffff),
            rng.gen_range(1..0xffff)
        ),
        _ => format!(
            "{}.{}.{}.{}",
            pick(
                rng,
                &[31, 46, 62, 79, 81, 83, 88, 90, 152, 176, 181, 186, 190, 201, 213]
            ),
            rng.gen_range(0..256),
            rng.gen_range(0..256),
            rng.gen_range(1..255)
        ),
    }
}

/// Browsers, phones, bots and HTTP libraries, with versions drawn from realistic ranges.
pub(crate) fn user_agent(rng: &mut Rng8) -> String {
    const DESKTOP: &[&str] = &[
        "Windows NT 10.0; Win64; x64",
        "Macintosh; Intel Mac OS X 10_15_7",
        "X11; Linux x86_64",
        "X11; Ubuntu; Linux x86_64",
        "Windows NT 6.1; Win64; x64",
    ];
    const PHONES: &[&str] = &[
        "SM-S918B",
        "Pixel 8",
        "M2101K6G",
        "SM-A546B",
        "moto g(60)",
        "K",
    ];
    let v = rng.gen_range(110..132);
    match rng.gen_range(0..100) {
        0..=34 => format!(
            "Mozilla/5.0 ({}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.{}.{} Safari/537.36",
            pick(rng, DESKTOP),
            rng.gen_range(5000..6800),
            rng.gen_range(0..200)
        ),
        35..=44 => format!(
            "Mozilla/5.0 ({}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.{}.{}",
            DESKTOP[0],
            rng.gen_range(2000..2900),
            rng.gen_range(0..100)
        ),
        45..=56 => {
            let fv = rng.gen_range(115..133);
            format!(
                "Mozilla/5.0 ({}; rv:{fv}.0) Gecko/20100101 Firefox/{fv}.0",
                pick(rng, DESKTOP)
            )
        }
        57..=63 => format!(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{}.{} Safari/605.1.15",
            rng.gen_range(15..18),
            rng.gen_range(0..6)
        ),
        64..=75 => {
            let (a, b) = (rng.gen_range(15..18), rng.gen_range(0..7));
            format!(
                "Mozilla/5.0 (iPhone; CPU iPhone OS {a}_{b} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{a}.{b} Mobile/15E148 Safari/604.1"
            )
        }
        76..=85 => format!(
            "Mozilla/5.0 (Linux; Android {}; {}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Mobile Safari/537.36",
            rng.gen_range(10..15),
            pick(rng, PHONES)
        ),
        86..=88 => pick(
            rng,
            &[
                "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
                "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
            ],
        )
        .to_string(),
        89..=90 => format!("BankApp/{}.{}.{} (iOS {}; iPhone14,2)", rng.gen_range(3..6), rng.gen_range(0..20), rng.gen_range(0..9), rng.gen_range(15..18)),
        91 => format!("okhttp/4.{}.{}", rng.gen_range(9..13), rng.gen_range(0..4)),
        92 => format!("python-requests/2.{}.{}", rng.gen_range(25..33), rng.gen_range(0..4)),
        93 => format!("curl/{}.{}.{}", rng.gen_range(7..9), rng.gen_range(0..12), rng.gen_range(0..3)),
        94 => "Go-http-client/1.1".to_string(),
        95 => format!("PostmanRuntime/7.{}.{}", rng.gen_range(30..43), rng.gen_range(0..4)),
        96 => format!("axios/1.{}.{}", rng.gen_range(3..8), rng.gen_range(0..9)),
        97 => format!("Dart/3.{} (dart:io)", rng.gen_range(0..6)),
        _ => format!("Apache-HttpClient/4.5.{} (Java/17.0.{})", rng.gen_range(10..15), rng.gen_range(1..12)),
    }
}

pub(crate) fn accept_language(rng: &mut Rng8) -> String {
    pick(
        rng,
        &[
            "en-US,en;q=0.9",
            "es-ES,es;q=0.9,en;q=0.8",
            "de-DE,de;q=0.9,en-US;q=0.8",
            "fr-FR,fr;q=0.9",
            "pt-BR,pt;q=0.9,en;q=0.7",
            "es-CO,es;q=0.9",
            "en-GB,en;q=0.9",
            "pl-PL,pl;q=0.9,en;q=0.8",
            "ja,en-US;q=0.9",
        ],
    )
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn fill_replaces_every_placeholder() {
        let mut rng = Rng8::seed_from_u64(3);
        for template in SUPPORT_SENTENCES
            .iter()
            .chain(COMMENT_SENTENCES)
            .chain(LOOKALIKE_SENTENCES)
        {
            let out = fill(&mut rng, template);
            for key in [
                "{merchant}",
                "{amount}",
                "{n}",
                "{topic}",
                "{email}",
                "{first}",
            ] {
                assert!(!out.contains(key), "{template} → {out}");
            }
        }
    }

    #[test]
    fn identifiers_have_their_usual_shapes() {
        let mut rng = Rng8::seed_from_u64(4);
        let id = uuid(&mut rng);
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        assert_eq!(jwt(&mut rng).matches('.').count(), 2);
        assert!(jwt(&mut rng).starts_with("eyJ"));
        assert_eq!(iban(&mut rng, false).len(), 24);
        assert!(long_id(&mut rng).len() >= 18);
    }

    #[test]
    fn weighted_choice_respects_zero_weights() {
        let mut rng = Rng8::seed_from_u64(5);
        let table = [(0, "never"), (3, "a"), (1, "b")];
        for _ in 0..200 {
            assert_ne!(*weighted(&mut rng, &table), "never");
        }
    }
}
