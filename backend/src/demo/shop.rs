//! The demo shop: its services, pods, versions and the vocabulary its requests draw from.
//!
//! Names and values follow the recorded demo data (`../shared/fixtures/`), so that a fresh stack answers
//! the same questions the same way: label values, pod names, routes, SQL, user agents.

use super::model::{Env, Origin};

pub const CLUSTER: &str = "demo-eu-west-1";
pub const SERVICE_NAMESPACE: &str = "shop";
pub const SCOPE_NAME: &str = "demo-shop/otelhttp";
pub const SCOPE_VERSION: &str = "0.52.0";

pub const API_GATEWAY: &str = "api-gateway";
pub const ORDER_SERVICE: &str = "order-service";
pub const PRODUCT_SERVICE: &str = "product-service";
pub const PAYMENT_SERVICE: &str = "payment-service";
pub const USER_SERVICE: &str = "user-service";

/// Every service of the shop, in a stable order.
pub const SERVICES: [&str; 5] = [
    API_GATEWAY,
    ORDER_SERVICE,
    PRODUCT_SERVICE,
    PAYMENT_SERVICE,
    USER_SERVICE,
];

/// `service.version` of each service.
pub fn version(service: &str) -> &'static str {
    match service {
        API_GATEWAY => "2.14.1",
        ORDER_SERVICE => "1.8.3",
        PRODUCT_SERVICE => "3.2.0",
        PAYMENT_SERVICE => "1.4.7",
        _ => "2.3.0",
    }
}

/// The pods that run a service in an environment (staging runs only the gateway and user-service).
pub fn pods(service: &str, env: Env) -> &'static [&'static str] {
    match (service, env) {
        (API_GATEWAY, Env::Prod) => &["api-gateway-30877-432d1", "api-gateway-02670-6d7e8"],
        (API_GATEWAY, Env::Staging) => &["api-gateway-05da8-46a32"],
        (ORDER_SERVICE, _) => &["order-service-c3bb8-1e3c2", "order-service-9b621-79273"],
        (PRODUCT_SERVICE, _) => &["product-service-575ec-87a17", "product-service-1ac82-6a6fc"],
        (PAYMENT_SERVICE, _) => &["payment-service-4f213-45d2c", "payment-service-ce803-8a39d"],
        (_, Env::Staging) => &["user-service-d669c-bee37"],
        _ => &["user-service-50af0-3b971", "user-service-722f2-44f58"],
    }
}

/// An origin on a given pod index (wrapped to the pods the service has).
pub fn origin(service: &'static str, env: Env, pod_index: u64) -> Origin {
    let pods = pods(service, env);
    let pod = pods[(pod_index % pods.len() as u64) as usize];
    Origin { service, env, pod }
}

pub const USER_AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "DemoShop-iOS/4.12.0 CFNetwork/1494.0.7 Darwin/23.4.0",
    "DemoShop-Android/4.11.2 okhttp/4.12.0",
];

pub const PROBE_USER_AGENT: &str = "kube-probe/1.30";

pub const CATEGORIES: [&str; 5] = ["coffee", "brewing", "cleaning", "gifts", "accessories"];

pub const PRODUCTS: [&str; 10] = [
    "espresso-machine",
    "coffee-grinder",
    "pour-over-kit",
    "milk-frother",
    "cold-brew-jar",
    "descaler-pack",
    "travel-mug",
    "gift-box-classic",
    "burr-set",
    "scale-pro",
];

pub const LOGIN_METHODS: [&str; 3] = ["password", "oauth-google", "passkey"];
pub const TOKEN_REJECT_REASONS: [&str; 2] = ["token expired", "signature mismatch"];
pub const SKUS: [&str; 4] = ["SKU-1042", "SKU-2210", "SKU-3187", "SKU-4405"];

pub const SQL_PRODUCT_BY_SLUG: &str = "SELECT id, name, price, stock FROM products WHERE slug = $1";
pub const SQL_PRODUCTS_BY_CATEGORY: &str = "SELECT id, name, price, stock FROM products WHERE category_id = $1 ORDER BY popularity DESC LIMIT 50";
pub const SQL_INSERT_ORDER: &str =
    "INSERT INTO orders (id, user_id, amount, currency) VALUES ($1, $2, $3, $4)";
pub const SQL_USER_BY_EMAIL: &str = "SELECT id, password_hash, status FROM users WHERE email = $1";
pub const SQL_SESSION_BY_TOKEN: &str =
    "SELECT user_id, expires_at FROM sessions WHERE token_hash = $1";

pub const ACMEPAY_URL: &str = "https://api.acmepay.example/v2/charges";
pub const ACMEPAY_HOST: &str = "api.acmepay.example";

/// Slow-query threshold of product-service's repository (its `slow query` warning).
pub const SLOW_QUERY_THRESHOLD_MS: u64 = 1000;
/// order-service's PostgreSQL pool size (reported when it runs out).
pub const DB_POOL_MAX: u64 = 50;
/// payment-service's timeout for acmepay.
pub const ACMEPAY_TIMEOUT_MS: u64 = 5000;
