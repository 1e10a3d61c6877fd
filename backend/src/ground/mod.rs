//! Grounding: the user's [`Schema`] (Loki labels, values and fields; Tempo tags and values) and the fuzzy
//! matching that resolves what a person typed to values that exist.

pub mod discover;
pub mod fuzzy;
pub mod learn;
mod schema;

pub use discover::{Discovery, SchemaCache, discover};
pub use schema::{FieldKind, FieldSource, LogField, LokiSchema, Schema, SchemaIndex, TempoSchema};
