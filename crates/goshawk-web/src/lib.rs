//! Web-attack detection: HTTP requests are normalised (attackers encode), turned into hybrid
//! features (hashed character n-grams, parameter shapes, security heuristics) and scored by a
//! trained linear model with an attack-type head.
