//! Structural comparison of a predicted query with the expected one, in canonical form.

use crate::plan::Plan;
use crate::plan::canonical::{canonical, canonical_text};

/// `None` when the queries are the same query; otherwise why not.
pub fn compare_structurally(expected: Option<&str>, plan: &Plan) -> Option<String> {
    let expected = expected?;
    let loki = plan.kind.is_loki();
    let want = match canonical_text(expected, loki) {
        Ok(t) => t,
        Err(e) => {
            return Some(format!(
                "the expected query does not parse ({e}): {expected}"
            ));
        }
    };
    let Some(query) = &plan.query else {
        return Some("no query".into());
    };
    let got = match query {
        crate::plan::Query::Raw(text) => {
            canonical_text(text, loki).unwrap_or_else(|_| text.clone())
        }
        q => canonical(q).to_string(),
    };
    if got == want {
        None
    } else {
        Some(format!(
            "query `{}` instead of `{expected}`",
            plan.query_text().unwrap_or_default()
        ))
    }
}
