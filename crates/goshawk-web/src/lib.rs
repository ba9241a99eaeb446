//! Web-attack detection: HTTP requests are normalised (attackers encode), turned into hybrid
//! features (hashed character n-grams, parameter shapes, security heuristics) and scored by a
//! trained linear model with an attack-type head.

pub mod features;
pub mod heuristics;
pub mod linear;
pub mod model;
pub mod normalize;

pub use features::{FeatureSchema, Featurizer, Scratch};
pub use model::{Example, WebMode, WebModel, WebModelError, WebParams, WebScore};
