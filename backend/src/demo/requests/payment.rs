//! payment-service's part of a checkout: `POST /payments` and its call to acmepay (`POST /v2/charges`),
//! with the retry warnings and the timeout error of the payment incident.

use super::*;

/// One call from order-service to payment-service.
pub(super) struct PaymentCall<'a> {
    pub order: &'a Origin,
    pub payment: &'a Origin,
    /// order-service's server span.
    pub parent: &'a str,
    /// Client start, server start, charge start, charge end, server end, client end.
    pub times: [u64; 6],
    pub timeout: bool,
    pub order_id: &'a str,
    pub amount: f64,
}

pub(super) fn call(b: &mut Builder<'_>, call: &PaymentCall<'_>) {
    let [pc0, ps0, ch0, ch1, ps1, pc1] = call.times;
    let (order, payment, order_server) = (call.order, call.payment, call.parent);
    let (timeout, order_id, amount) = (call.timeout, call.order_id, call.amount);
    let (pay_status, pay_client_status, pay_server_status) = if timeout {
        (
            504,
            error("504 Gateway Timeout"),
            error("acmepay charge timed out after 5s"),
        )
    } else {
        (200, SpanStatus::Unset, SpanStatus::Unset)
    };
    let pay_client = b.span(
        SpanSpec {
            origin: order,
            parent: Some(order_server),
            name: "POST /payments",
            kind: SpanKind::Client,
            start: pc0,
            end: pc1,
        },
        client_attrs("POST", PAYMENT_SERVICE, "/payments", pay_status),
        pay_client_status,
    );
    let pay_server = b.span(
        SpanSpec {
            origin: payment,
            parent: Some(&pay_client),
            name: "POST /payments",
            kind: SpanKind::Server,
            start: ps0,
            end: ps1,
        },
        server_attrs(
            "POST",
            "/payments",
            "/payments",
            pay_status,
            PAYMENT_SERVICE,
            vec![
                Attr::str("app.payment.provider", "acmepay"),
                Attr::double("app.payment.amount", amount),
            ],
        ),
        pay_server_status,
    );
    let mut charge_attrs = vec![
        Attr::str("url.full", shop::ACMEPAY_URL),
        Attr::str("peer.service", "acmepay"),
    ];
    if timeout {
        charge_attrs.push(Attr::str("error.type", "timeout"));
    } else {
        charge_attrs.push(Attr::int("http.response.status_code", 200));
    }
    charge_attrs.extend([
        Attr::str("http.request.method", "POST"),
        Attr::str("server.address", shop::ACMEPAY_HOST),
        Attr::str("http.method", "POST"),
    ]);
    if !timeout {
        charge_attrs.push(Attr::int("http.status_code", 200));
    }
    b.span(
        SpanSpec {
            origin: payment,
            parent: Some(&pay_server),
            name: "POST /v2/charges",
            kind: SpanKind::Client,
            start: ch0,
            end: ch1,
        },
        charge_attrs,
        if timeout {
            error("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
        } else {
            SpanStatus::Unset
        },
    );
    if timeout {
        if let Some(charge) = b.spans.last_mut() {
            charge.events.push(SpanEvent {
                time_ns: ch1,
                name: "exception",
                attributes: vec![
                    Attr::str("exception.type", "net/http.httpError"),
                    Attr::str("exception.message", "context deadline exceeded"),
                ],
            });
        }
        for (attempt, backoff) in [(1u64, 200u64), (2, 400)] {
            let at = ps0 + attempt * 1_600_000_000;
            let line = Logfmt::new()
                .kv("ts", iso_millis(at))
                .kv("level", "warn")
                .kv("caller", "gateway/client.go:77")
                .quoted("msg", "retrying acmepay charge")
                .kv("order_id", order_id)
                .kv("attempt", attempt)
                .kv("provider", "acmepay")
                .kv("backoff_ms", backoff)
                .kv("trace_id", &b.trace_id)
                .kv("span_id", &pay_server)
                .finish();
            b.log(at, payment, Level::Warn, line);
        }
        let at = ch1 + ms(b.range(0.5, 1.5));
        let line = Logfmt::new()
            .kv("ts", iso_millis(at))
            .kv("level", "error")
            .kv("caller", "gateway/client.go:91")
            .quoted("msg", "payment gateway timeout")
            .kv("order_id", order_id)
            .kv("amount", format!("{amount:.2}"))
            .kv("currency", "EUR")
            .kv("provider", "acmepay")
            .kv("timeout_ms", shop::ACMEPAY_TIMEOUT_MS)
            .kv("error", "context deadline exceeded")
            .kv("status", 504)
            .kv("trace_id", &b.trace_id)
            .kv("span_id", &pay_server)
            .finish();
        b.log(at, payment, Level::Error, line);
    } else {
        let line = Logfmt::new()
            .kv("ts", iso_millis(ps1))
            .kv("level", "info")
            .kv("caller", "payments/charge.go:58")
            .quoted("msg", "payment captured")
            .kv("order_id", order_id)
            .kv("amount", format!("{amount:.2}"))
            .kv("currency", "EUR")
            .kv("provider", "acmepay")
            .kv("duration_ms", ((ps1 - ps0) as f64 / 1e6).round() as u64)
            .kv("trace_id", &b.trace_id)
            .kv("span_id", &pay_server)
            .finish();
        b.log(ps1, payment, Level::Info, line);
    }
}
