//! Synthetic, labelled traffic: normal users of a small online bank and web shop mixed with
//! OWASP Top-10 attacks, for tests, audits and the live demo.
