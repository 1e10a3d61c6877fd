//! Per-datasource-instance state: parsed [`Settings`] and their [`Clients`], cached by datasource uid
//! and rebuilt when Grafana reports a newer `lastUpdated` (the user saved the settings).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use grafana_plugin_sdk::pluginv2;

use crate::error::Error;
use crate::execute::Clients;
use crate::frames::DatasourceRef;
use crate::pipeline::SchemaSource;
use crate::settings::{RawSettings, Settings};

/// One configured datasource.
#[derive(Debug)]
pub struct Instance {
    pub settings: Settings,
    pub clients: Clients,
    /// The schema questions are grounded in, discovered from Loki and Tempo and kept for a while.
    pub schema: SchemaSource,
    /// This datasource, for links that open traces through it.
    pub datasource: DatasourceRef,
    /// The optional LLM (none when no provider is set or privacy is `off`).
    pub llm: Option<Arc<crate::llm::Llm>>,
}

/// Instances by uid, each with the `lastUpdated` it was built from.
#[derive(Debug)]
pub struct InstanceCache {
    http: reqwest::Client,
    instances: RwLock<HashMap<String, (i64, Arc<Instance>)>>,
}

impl InstanceCache {
    pub fn new(http: reqwest::Client) -> Self {
        InstanceCache {
            http,
            instances: RwLock::new(HashMap::new()),
        }
    }

    /// The instance of a request's plugin context; settings errors are reported, not cached.
    pub fn get(&self, ctx: Option<&pluginv2::PluginContext>) -> Result<Arc<Instance>, Error> {
        let ds = ctx
            .and_then(|c| c.data_source_instance_settings.clone())
            .unwrap_or_default();
        let key = if ds.uid.is_empty() {
            format!("id:{}", ds.id)
        } else {
            ds.uid.clone()
        };
        if let Ok(map) = self.instances.read()
            && let Some((updated, instance)) = map.get(&key)
            && *updated == ds.last_updated_ms
        {
            return Ok(instance.clone());
        }
        let raw = RawSettings::from_grafana(&ds.json_data, &ds.decrypted_secure_json_data)?;
        let settings = Settings::from_raw(&raw)?;
        let clients = Clients::new(&settings, &self.http);
        let llm = crate::llm::Llm::from_settings(&raw, &settings)?.map(Arc::new);
        let instance = Arc::new(Instance {
            llm,
            settings,
            clients,
            schema: SchemaSource::live(),
            datasource: DatasourceRef {
                uid: ds.uid.clone(),
                name: ds.name.clone(),
            },
        });
        if let Ok(mut map) = self.instances.write() {
            // Concurrent first requests each built one: all use the first stored, so they share its
            // connection limits and response cache.
            if let Some((updated, existing)) = map.get(&key)
                && *updated == ds.last_updated_ms
            {
                return Ok(existing.clone());
            }
            map.insert(key, (ds.last_updated_ms, instance.clone()));
        }
        Ok(instance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(url: &str, updated: i64) -> pluginv2::PluginContext {
        pluginv2::PluginContext {
            data_source_instance_settings: Some(pluginv2::DataSourceInstanceSettings {
                uid: "ds1".into(),
                name: "Querent".into(),
                json_data: format!(r#"{{"lokiUrl":"{url}"}}"#).into_bytes(),
                last_updated_ms: updated,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn caches_by_uid_and_rebuilds_on_update() {
        let cache = InstanceCache::new(reqwest::Client::new());
        let a = cache.get(Some(&ctx("http://a:3100", 1))).unwrap();
        let again = cache.get(Some(&ctx("http://a:3100", 1))).unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        let b = cache.get(Some(&ctx("http://b:3100", 2))).unwrap();
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!(
            b.settings.loki.as_ref().unwrap().url.as_str(),
            "http://b:3100/"
        );
        assert!(cache.get(Some(&ctx("nope", 3))).is_err());
    }
}
