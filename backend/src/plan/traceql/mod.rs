//! TraceQL as typed values: spanset filters, structural operators, `select` and metrics functions.
//!
//! Build with the types in [`ast`], print with `Display` (in [`print`]), which quotes every string.

mod ast;
mod parse;
mod print;

pub use parse::parse;

pub use ast::{
    Attribute, Cond, Intrinsic, Kind, MetricsFn, Op, Scope, Spanset, SpansetOp, Static, Status,
    TraceQuery,
};
