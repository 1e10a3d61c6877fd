//! Understanding a question: words → time range, numbers, search phrases, levels and intent cues.
//!
//! Takes the question text, `now` and a time zone; returns tokens and findings that the translator grounds
//! against the user's schema. English and Korean (and both mixed) are read by the same passes.

pub mod numbers;
pub mod text;
pub mod time;

pub use text::{Token, TokenKind, tokenize};
pub use time::{TimeFinding, find_time};
