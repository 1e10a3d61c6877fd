//! LogQL as typed values: log queries (selector + pipeline) and metric queries over them.
//!
//! Build with the constructors in [`ast`], print with `Display` (in [`print`]); the printer escapes
//! every string, so a value can hold any user text.

mod ast;
mod parse;
mod print;

pub use parse::parse;
pub use print::print_number;

pub use ast::{
    AggOp, BinOp, CmpOp, Conversion, Grouping, LabelFilter, LabelName, LineOp, LogQuery, MatchOp,
    Matcher, MetricExpr, Parser, RangeFunc, Stage, Unwrap, Value,
};
