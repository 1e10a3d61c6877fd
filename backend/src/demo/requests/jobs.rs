//! Background jobs: log lines without a trace.

use super::*;

/// The log line of a background job (no trace).
pub fn job_line(rng: &mut Rng, job: Job, at: u64) -> LogRecord {
    let pod_index = rng.int(0, 7);
    let (service, level, line) = match job {
        Job::HealthProbe => {
            let ip = format!("10.42.{}.{}", rng.int(0, 7), rng.int(1, 254));
            let line = AccessLine {
                client_ip: &ip,
                ts_ns: at,
                method: "GET",
                target: "/healthz",
                status: 200,
                bytes: 2,
                user_agent: shop::PROBE_USER_AGENT,
                rt_s: rng.int(1, 3) as f64 / 1000.0,
                upstream: "-",
            }
            .format();
            (API_GATEWAY, Level::Info, line)
        }
        Job::SessionCleanup => (
            USER_SERVICE,
            Level::Info,
            JsonLine::new()
                .str("time", &iso_millis(at))
                .str("level", "info")
                .str("msg", "session cleanup")
                .int("expired", rng.int(0, 40) as i64)
                .int("active", rng.int(420, 880) as i64)
                .finish(),
        ),
        Job::OutboxFlush => (
            ORDER_SERVICE,
            Level::Info,
            Logfmt::new()
                .kv("ts", iso_millis(at))
                .kv("level", "info")
                .kv("caller", "outbox/relay.go:64")
                .quoted("msg", "outbox flushed")
                .kv("events", rng.int(1, 14))
                .kv("topic", "orders.v1")
                .finish(),
        ),
        Job::CacheRefresh => (
            PRODUCT_SERVICE,
            Level::Info,
            JsonLine::new()
                .str("timestamp", &iso_millis(at))
                .str("level", "info")
                .str("logger", "catalog.cache")
                .str("message", "cache refreshed")
                .str("cache", "catalog")
                .int("entries", rng.int(1_150, 1_260) as i64)
                .int("duration_ms", rng.int(18, 90) as i64)
                .finish(),
        ),
        Job::StockRetry => (
            ORDER_SERVICE,
            Level::Warn,
            Logfmt::new()
                .kv("ts", iso_millis(at))
                .kv("level", "warn")
                .kv("caller", "inventory/reserve.go:57")
                .quoted("msg", "stock reservation retried")
                .kv("sku", rng.pick(&shop::SKUS))
                .kv("attempt", 1)
                .kv("reason", "row lock contention")
                .finish(),
        ),
        Job::WelcomeEmailFailure => (
            USER_SERVICE,
            Level::Error,
            JsonLine::new()
                .str("time", &iso_millis(at))
                .str("level", "error")
                .str("msg", "failed to send welcome email")
                .str("error", "dial tcp 10.43.12.7:587: i/o timeout")
                .str("mailer", "smtp")
                .int("retry_in_s", 60)
                .finish(),
        ),
    };
    LogRecord {
        ts_ns: at,
        origin: shop::origin(service, Env::Prod, pod_index),
        level,
        line,
        metadata: Vec::new(),
    }
}
