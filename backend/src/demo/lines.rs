//! Log line formats of the shop: logfmt (order-, payment-service), JSON (product-, user-service) and
//! combined access-log lines (api-gateway).

use chrono::{DateTime, Utc};

/// RFC 3339 UTC with milliseconds, as the services print it (`2026-11-25T06:24:46.417Z`).
pub fn iso_millis(ns: u64) -> String {
    datetime(ns).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn datetime(ns: u64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(ns.min(i64::MAX as u64) as i64)
}

/// A logfmt line built key by key; values with spaces, quotes or `=` are quoted.
#[derive(Debug, Default)]
pub struct Logfmt(String);

impl Logfmt {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn kv(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        let value = value.to_string();
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        self.0.push_str(key);
        self.0.push('=');
        let needs_quotes = value.is_empty() || value.contains([' ', '"', '=', '\\']);
        if needs_quotes {
            self.0.push('"');
            self.0
                .push_str(&value.replace('\\', "\\\\").replace('"', "\\\""));
            self.0.push('"');
        } else {
            self.0.push_str(&value);
        }
        self
    }

    /// A value that is always quoted (`msg="..."`, as the services write it).
    pub fn quoted(mut self, key: &str, value: &str) -> Self {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        self.0.push_str(key);
        self.0.push_str("=\"");
        self.0
            .push_str(&value.replace('\\', "\\\\").replace('"', "\\\""));
        self.0.push('"');
        self
    }

    pub fn finish(self) -> String {
        self.0
    }
}

/// A one-line JSON object whose keys keep the order they were added in (loggers write them that way).
#[derive(Debug, Default)]
pub struct JsonLine(String);

impl JsonLine {
    pub fn new() -> Self {
        Self::default()
    }

    fn key(&mut self, key: &str) {
        self.0.push(if self.0.is_empty() { '{' } else { ',' });
        self.0.push_str(&serde_json::Value::from(key).to_string());
        self.0.push(':');
    }

    pub fn str(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        self.0.push_str(&serde_json::Value::from(value).to_string());
        self
    }

    pub fn int(mut self, key: &str, value: i64) -> Self {
        self.key(key);
        self.0.push_str(&value.to_string());
        self
    }

    pub fn finish(mut self) -> String {
        if self.0.is_empty() {
            self.0.push('{');
        }
        self.0.push('}');
        self.0
    }
}

/// One access-log line of the gateway (combined log format plus response time and upstream).
#[derive(Debug)]
pub struct AccessLine<'a> {
    pub client_ip: &'a str,
    pub ts_ns: u64,
    pub method: &'a str,
    pub target: &'a str,
    pub status: u16,
    pub bytes: u64,
    pub user_agent: &'a str,
    pub rt_s: f64,
    pub upstream: &'a str,
}

impl AccessLine<'_> {
    pub fn format(&self) -> String {
        let date = datetime(self.ts_ns).format("%d/%b/%Y:%H:%M:%S +0000");
        format!(
            "{ip} - - [{date}] \"{method} {target} HTTP/1.1\" {status} {bytes} \"-\" \"{ua}\" rt={rt:.3} upstream={up}",
            ip = self.client_ip,
            method = self.method,
            target = self.target,
            status = self.status,
            bytes = self.bytes,
            ua = self.user_agent,
            rt = self.rt_s,
            up = self.upstream,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logfmt_quotes_only_values_that_need_it() {
        let line = Logfmt::new()
            .kv("ts", "2026-11-25T06:24:46.417Z")
            .kv("level", "error")
            .quoted("msg", "checkout failed")
            .kv("error", "payment-service: 504 Gateway Timeout")
            .kv("status", 500)
            .finish();
        assert_eq!(
            line,
            "ts=2026-11-25T06:24:46.417Z level=error msg=\"checkout failed\" error=\"payment-service: 504 Gateway Timeout\" status=500"
        );
    }

    #[test]
    fn json_lines_keep_key_order_and_escape() {
        let line = JsonLine::new()
            .str("time", "t")
            .str("msg", "say \"hi\"")
            .int("n", 3)
            .finish();
        assert_eq!(line, r#"{"time":"t","msg":"say \"hi\"","n":3}"#);
        assert!(serde_json::from_str::<serde_json::Value>(&line).is_ok());
    }

    #[test]
    fn access_line_matches_the_recorded_format() {
        let line = AccessLine {
            client_ip: "10.42.1.213",
            ts_ns: 1_795_587_886_418_923_236,
            method: "POST",
            target: "/api/v1/orders",
            status: 500,
            bytes: 87,
            user_agent: "DemoShop-Android/4.11.2 okhttp/4.12.0",
            rt_s: 5.0479,
            upstream: "order-service",
        }
        .format();
        assert_eq!(
            line,
            "10.42.1.213 - - [25/Nov/2026:06:24:46 +0000] \"POST /api/v1/orders HTTP/1.1\" 500 87 \"-\" \"DemoShop-Android/4.11.2 okhttp/4.12.0\" rt=5.048 upstream=order-service"
        );
    }

    #[test]
    fn iso_millis_truncates_to_milliseconds() {
        assert_eq!(
            iso_millis(1_795_587_886_417_359_148),
            "2026-11-25T06:24:46.417Z"
        );
    }
}
