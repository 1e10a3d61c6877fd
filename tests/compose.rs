//! The demo stack, checked by reading it (no Docker engine here): docker-compose.yml, the Loki/Tempo
//! configs, the Dockerfile, Grafana provisioning, the packaging script, and that plugin ids, executable
//! names, URLs and ports agree across all of them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use querent::plan::duration::QueryDuration;
use serde_json::Value;

const APP_ID: &str = "querent-nlq-app";
const DATASOURCE_ID: &str = "querent-nlq-datasource";
const PANEL_ID: &str = "querent-answer-panel";
const PLUGIN_DIR: &str = "/var/lib/grafana/plugins/querent-nlq-app";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

fn yaml(rel: &str) -> Value {
    serde_norway::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel} is not valid YAML: {e}"))
}

fn compose() -> Value {
    yaml("docker-compose.yml")
}

fn service<'a>(compose: &'a Value, name: &str) -> &'a Value {
    compose["services"]
        .get(name)
        .unwrap_or_else(|| panic!("service `{name}` missing"))
}

fn services(compose: &Value) -> &serde_json::Map<String, Value> {
    compose["services"]
        .as_object()
        .expect("services is a mapping")
}

/// `environment` as a map, whether written as a mapping or as a list of `K=V`.
fn env_of(service: &Value) -> BTreeMap<String, String> {
    match &service["environment"] {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string()),
                )
            })
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(|i| {
                i.as_str()?
                    .split_once('=')
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// (source, target, read-only) of each short-syntax volume.
fn volumes_of(service: &Value) -> Vec<(String, String, bool)> {
    service["volumes"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .filter_map(Value::as_str)
                .map(|v| {
                    let parts: Vec<&str> = v.split(':').collect();
                    assert!(parts.len() >= 2, "volume `{v}` has source and target");
                    (
                        parts[0].to_owned(),
                        parts[1].to_owned(),
                        parts.get(2) == Some(&"ro"),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn duration(v: &Value) -> QueryDuration {
    let text = v
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string());
    QueryDuration::parse(&text).unwrap_or_else(|| panic!("`{text}` is not a duration"))
}

#[test]
fn compose_file_has_the_demo_services() {
    let c = compose();
    let names: BTreeSet<&str> = services(&c).keys().map(String::as_str).collect();
    for expected in [
        "grafana",
        "loki",
        "tempo",
        "plugin",
        "demo",
        "ollama",
        "ollama-pull",
    ] {
        assert!(
            names.contains(expected),
            "service `{expected}` in {names:?}"
        );
    }
}

#[test]
fn every_image_has_an_explicit_version_tag() {
    let c = compose();
    for (name, svc) in services(&c) {
        let Some(image) = svc["image"].as_str() else {
            assert!(
                svc.get("build").is_some(),
                "service `{name}` has an image or a build"
            );
            continue;
        };
        let (_, tag) = image
            .rsplit_once(':')
            .unwrap_or_else(|| panic!("`{image}` of `{name}` has no tag"));
        assert!(
            !tag.contains('/'),
            "`{image}`: the colon belongs to a registry port, not a tag"
        );
        assert!(
            tag != "latest" && tag.chars().next().is_some_and(|c| c.is_ascii_digit()),
            "`{image}` pins a version"
        );
    }
    let dockerfile = read("deploy/Dockerfile");
    for line in dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM ") || l.starts_with("ARG "))
    {
        for word in line.split_whitespace().skip(1) {
            let image = word.split_once('=').map_or(word, |(_, v)| v);
            if image.contains(':') {
                assert!(!image.ends_with(":latest"), "Dockerfile pins `{image}`");
            }
        }
    }
}

#[test]
fn grafana_loki_and_tempo_run_current_major_versions() {
    let c = compose();
    let tag = |svc: &str| {
        service(&c, svc)["image"]
            .as_str()
            .and_then(|i| i.rsplit_once(':'))
            .map(|(_, t)| t.to_owned())
    };
    let grafana = tag("grafana").expect("grafana image");
    let (version, variant) = grafana.split_once('-').expect("a variant suffix");
    assert_eq!(
        variant, "ubuntu",
        "glibc image: the plugin backend is not built for musl"
    );
    assert!(
        version.starts_with("12.") || version.starts_with("13."),
        "Grafana 12.x/13.x, got {version}"
    );
    assert!(tag("loki").expect("loki image").starts_with("3."));
    let tempo = tag("tempo").expect("tempo image");
    assert!(
        tempo.starts_with("3.") || tempo.starts_with("2."),
        "Tempo 2.x/3.x, got {tempo}"
    );
}

#[test]
fn every_mounted_host_path_exists_and_named_volumes_are_declared() {
    let c = compose();
    let declared: BTreeSet<&str> = c["volumes"]
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    for (name, svc) in services(&c) {
        for (source, target, _) in volumes_of(svc) {
            if source.starts_with("./") || source.starts_with('/') {
                if source == "./dist" {
                    // Created and filled by the `plugin` service (the build output, git-ignored).
                    continue;
                }
                assert!(
                    root().join(&source).exists(),
                    "`{source}` mounted by `{name}` at `{target}` exists"
                );
            } else {
                assert!(
                    declared.contains(source.as_str()),
                    "named volume `{source}` of `{name}` is declared"
                );
            }
        }
        if let Some(build) = svc.get("build") {
            let context = root().join(build["context"].as_str().unwrap_or("."));
            let dockerfile = context.join(build["dockerfile"].as_str().unwrap_or("Dockerfile"));
            assert!(dockerfile.is_file(), "{} exists", dockerfile.display());
            if let Some(target) = build["target"].as_str() {
                let text = std::fs::read_to_string(&dockerfile).expect("Dockerfile readable");
                assert!(
                    text.lines().any(|l| l.starts_with("FROM ")
                        && l.trim_end().ends_with(&format!(" AS {target}"))),
                    "stage `{target}` in {}",
                    dockerfile.display()
                );
            }
        }
    }
}

#[test]
fn docker_build_context_leaves_out_build_outputs() {
    let ignore = read(".dockerignore");
    let entries: BTreeSet<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for heavy in ["target", "dist", "frontend/node_modules", ".git"] {
        assert!(
            entries.contains(heavy),
            "`{heavy}` is kept out of the Docker build context"
        );
    }
}

#[test]
fn grafana_loads_the_plugin_from_dist_unsigned() {
    let c = compose();
    let grafana = service(&c, "grafana");
    let allowed = env_of(grafana)["GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"].clone();
    let allowed: BTreeSet<&str> = allowed.split(',').map(str::trim).collect();
    assert_eq!(allowed, BTreeSet::from([APP_ID, DATASOURCE_ID, PANEL_ID]));
    let vols = volumes_of(grafana);
    assert!(
        vols.iter()
            .any(|(s, t, _)| s == "./dist" && t == PLUGIN_DIR),
        "{vols:?}"
    );
    assert!(
        vols.iter()
            .any(|(s, t, _)| s == "./provisioning" && t == "/etc/grafana/provisioning"),
        "{vols:?}"
    );
    let plugin_vols = volumes_of(service(&c, "plugin"));
    assert!(
        plugin_vols.iter().any(|(s, _, ro)| s == "./dist" && !ro),
        "the plugin service writes ./dist"
    );
}

#[test]
fn start_up_order_is_enforced_with_health_checks() {
    let c = compose();
    let condition = |svc: &str, dep: &str| -> String {
        service(&c, svc)["depends_on"][dep]["condition"]
            .as_str()
            .unwrap_or_else(|| panic!("{svc} depends on {dep}"))
            .to_owned()
    };
    assert_eq!(
        condition("grafana", "plugin"),
        "service_completed_successfully"
    );
    assert_eq!(condition("grafana", "loki"), "service_healthy");
    assert_eq!(condition("demo", "loki"), "service_healthy");
    assert!(service(&c, "demo")["depends_on"].get("tempo").is_some());
    // Every `service_healthy` dependency has a health check to become healthy with.
    for (name, svc) in services(&c) {
        if let Some(deps) = svc["depends_on"].as_object() {
            for (dep, spec) in deps {
                assert!(
                    services(&c).contains_key(dep),
                    "{name} depends on existing `{dep}`"
                );
                if spec["condition"] == "service_healthy" {
                    assert!(
                        service(&c, dep).get("healthcheck").is_some(),
                        "`{dep}` has a healthcheck ({name} waits)"
                    );
                }
            }
        }
    }
}

#[test]
fn demo_service_command_parses_and_targets_the_compose_peers() {
    use clap::Parser;
    let c = compose();
    let demo = service(&c, "demo");
    let mut argv = vec!["querent".to_owned()];
    argv.extend(
        demo["command"]
            .as_array()
            .expect("command list")
            .iter()
            .map(|a| a.as_str().expect("string arg").to_owned()),
    );
    let cli = querent::cli::Cli::try_parse_from(&argv)
        .unwrap_or_else(|e| panic!("demo command does not parse: {e}"));
    let querent::cli::Command::Demo(args) = cli.command else {
        panic!("the demo service runs `querent demo`")
    };
    assert_eq!(args.loki, "http://loki:3100");
    assert_eq!(args.tempo, "http://tempo:4318");
    assert_eq!(args.options.tempo_api.as_deref(), Some("http://tempo:3200"));
    assert!(args.live);
    assert_eq!(args.backfill, QueryDuration::from_hours(6));
    let state = args
        .options
        .state
        .clone()
        .expect("a state file so restarts do not backfill twice");
    let vols = volumes_of(demo);
    assert!(
        vols.iter().any(|(_, t, _)| state.starts_with(t)),
        "the state file lives on a volume: {vols:?}"
    );
    // The ports the demo pushes to are the ones Loki and Tempo listen on.
    assert_eq!(yaml("deploy/loki.yaml")["server"]["http_listen_port"], 3100);
    let tempo = yaml("deploy/tempo.yaml");
    assert_eq!(tempo["server"]["http_listen_port"], 3200);
    assert!(
        tempo["distributor"]["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
            .as_str()
            .is_some_and(|e| e.ends_with(":4318"))
    );
}

#[test]
fn loki_config_allows_the_backfill() {
    let loki = yaml("deploy/loki.yaml");
    assert_eq!(loki["auth_enabled"], false);
    assert_eq!(loki["ingester"]["query_store_max_look_back_period"], "-1ns");
    let limits = &loki["limits_config"];
    assert!(duration(&limits["reject_old_samples_max_age"]) >= QueryDuration::from_hours(6));
    assert_eq!(
        limits["allow_structured_metadata"], true,
        "gateway lines carry trace ids as structured metadata"
    );
    assert_eq!(limits["volume_enabled"], true);
    let schema = &loki["schema_config"]["configs"][0];
    assert_eq!(
        (schema["store"].as_str(), schema["schema"].as_str()),
        (Some("tsdb"), Some("v13"))
    );
    assert_eq!(loki["pattern_ingester"]["enabled"], true);
}

#[test]
fn tempo_config_keeps_back_dated_spans_searchable() {
    let tempo = yaml("deploy/tempo.yaml");
    let six_hours = QueryDuration::from_hours(6);
    assert!(duration(&tempo["live_store"]["wal"]["ingestion_time_range_slack"]) >= six_hours);
    assert!(duration(&tempo["storage"]["trace"]["wal"]["ingestion_time_range_slack"]) >= six_hours);
    assert!(duration(&tempo["storage"]["trace"]["blocklist_poll"]) <= QueryDuration::from_secs(30));
    assert_eq!(tempo["storage"]["trace"]["backend"], "local");
    for proto in ["grpc", "http"] {
        let endpoint = tempo["distributor"]["receivers"]["otlp"]["protocols"][proto]["endpoint"]
            .as_str()
            .expect("endpoint");
        assert!(
            endpoint.starts_with("0.0.0.0:"),
            "OTLP {proto} listens on all interfaces: {endpoint}"
        );
    }
    assert!(
        duration(&tempo["query_frontend"]["metrics"]["max_duration"]) >= six_hours,
        "TraceQL metrics window"
    );
}

/// The jsonData keys `docs/architecture.md` documents (its settings table).
fn documented_settings() -> BTreeSet<String> {
    let doc = read("docs/architecture.md");
    let table = doc
        .split("## Datasource settings")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("settings section");
    table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| {
            l.split('|')
                .nth(1)
                .unwrap_or("")
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn datasources() -> Vec<Value> {
    yaml("provisioning/datasources/datasources.yaml")["datasources"]
        .as_array()
        .expect("datasources list")
        .clone()
}

fn datasource(uid: &str) -> Value {
    datasources()
        .into_iter()
        .find(|d| d["uid"] == uid)
        .unwrap_or_else(|| panic!("datasource uid `{uid}`"))
}

#[test]
fn querent_datasource_points_at_the_compose_loki_and_tempo() {
    let documented = documented_settings();
    let querent: Vec<Value> = datasources()
        .into_iter()
        .filter(|d| d["type"] == DATASOURCE_ID)
        .collect();
    assert!(querent.iter().any(|d| d["uid"] == "querent"));
    for ds in &querent {
        let json = ds["jsonData"].as_object().expect("jsonData");
        assert_eq!(json["lokiUrl"], "http://loki:3100");
        assert_eq!(json["tempoUrl"], "http://tempo:3200");
        for key in json.keys() {
            assert!(
                documented.contains(key),
                "jsonData key `{key}` is documented in docs/architecture.md"
            );
            let lower = key.to_ascii_lowercase();
            assert!(
                !["password", "token", "apikey", "secret"]
                    .iter()
                    .any(|s| lower.contains(s)),
                "no secret `{key}` in jsonData"
            );
        }
        assert!(
            ds.get("secureJsonData").is_none(),
            "the demo needs no secrets"
        );
    }
    // The LLM variant talks to the compose Ollama and uses the model the `ollama-pull` service fetches.
    let llm = datasource("querent-llm");
    assert_eq!(llm["jsonData"]["llmBaseUrl"], "http://ollama:11434/v1");
    let c = compose();
    let pull: Vec<&str> = service(&c, "ollama-pull")["entrypoint"]
        .as_array()
        .expect("entrypoint")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(pull.last().copied(), llm["jsonData"]["llmModel"].as_str());
    for svc in ["ollama", "ollama-pull"] {
        assert_eq!(
            service(&c, svc)["profiles"],
            serde_json::json!(["llm"]),
            "{svc} only runs with --profile llm"
        );
    }
    let uids: Vec<String> = datasources()
        .iter()
        .map(|d| d["uid"].as_str().expect("uid").to_owned())
        .collect();
    assert_eq!(
        uids.iter().collect::<BTreeSet<_>>().len(),
        uids.len(),
        "unique uids: {uids:?}"
    );
}

#[test]
fn loki_and_tempo_datasources_link_traces_and_logs() {
    let loki = datasource("loki");
    let tempo = datasource("tempo");
    assert_eq!(loki["url"], "http://loki:3100");
    assert_eq!(tempo["url"], "http://tempo:3200");
    let derived = loki["jsonData"]["derivedFields"]
        .as_array()
        .expect("derivedFields");
    assert!(
        derived
            .iter()
            .any(|f| f["matcherType"] == "label" && f["matcherRegex"] == "trace_id")
    );
    assert!(derived.iter().any(|f| {
        f["matcherType"] == "regex"
            && f["matcherRegex"]
                .as_str()
                .is_some_and(|r| r.contains("trace_id"))
    }));
    for field in derived {
        assert_eq!(field["datasourceUid"], "tempo");
        // `$` must be doubled: provisioning expands `${…}` as environment variables.
        assert_eq!(field["url"], "$${__value.raw}");
    }
    let to_logs = &tempo["jsonData"]["tracesToLogsV2"];
    assert_eq!(to_logs["datasourceUid"], "loki");
    assert_eq!(to_logs["filterByTraceID"], true);
    // The mapped Loki label is one the demo data has.
    let sample = querent::demo::generate(&querent::demo::Scenario::backfill(
        1,
        "2026-11-25T08:00:00Z".parse().expect("time"),
        chrono::Duration::minutes(30),
    ));
    let labels = querent::demo::stream_labels(&sample.logs[0]);
    for tag in to_logs["tags"].as_array().expect("tags") {
        let label = tag["value"].as_str().or(tag["key"].as_str()).expect("tag");
        assert!(
            labels.contains_key(label),
            "Loki label `{label}` exists in the demo data"
        );
    }
}

#[test]
fn app_is_enabled_by_provisioning() {
    let apps = yaml("provisioning/plugins/querent.yaml");
    let app = &apps["apps"][0];
    assert_eq!(app["type"], APP_ID);
    assert_eq!(app["disabled"], false);
}

#[test]
fn starter_dashboard_uses_the_answer_panel_and_nl_annotations() {
    let provider = yaml("provisioning/dashboards/querent.yaml");
    let path = provider["providers"][0]["options"]["path"]
        .as_str()
        .expect("provider path");
    let rel = path
        .strip_prefix("/etc/grafana/provisioning/")
        .expect("inside the mounted provisioning folder");
    let folder = root().join("provisioning").join(rel);
    let dashboards: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("dashboard folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert!(!dashboards.is_empty());
    let uids: BTreeSet<String> = datasources()
        .iter()
        .map(|d| d["uid"].as_str().expect("uid").to_owned())
        .collect();
    let mut answer_panels = 0;
    let mut nl_annotations = 0;
    for file in &dashboards {
        let dash: Value = serde_json::from_str(&std::fs::read_to_string(file).expect("readable"))
            .expect("valid JSON");
        assert!(dash["uid"].as_str().is_some_and(|u| !u.is_empty()));
        for panel in dash["panels"].as_array().expect("panels") {
            for target in panel["targets"].as_array().into_iter().flatten() {
                let uid = target["datasource"]["uid"]
                    .as_str()
                    .or(panel["datasource"]["uid"].as_str())
                    .expect("datasource uid");
                assert!(
                    uids.contains(uid),
                    "panel `{}` uses provisioned datasource `{uid}`",
                    panel["title"]
                );
                if target["datasource"]["uid"] == "querent" {
                    assert!(
                        target["question"].as_str().is_some_and(|q| !q.is_empty())
                            || target["expr"].is_string()
                    );
                }
            }
            if panel["type"] == PANEL_ID && panel["targets"][0]["question"].is_string() {
                answer_panels += 1;
            }
        }
        for ann in dash["annotations"]["list"].as_array().expect("annotations") {
            if ann["datasource"]["uid"] == "querent" {
                assert_eq!(ann["target"]["queryType"], "annotations");
                assert_eq!(ann["target"]["question"], "payment-service error spikes");
                nl_annotations += 1;
            }
        }
    }
    assert!(answer_panels >= 1 && nl_annotations >= 1);
    // Grafana's home dashboard setting points at a file that the provisioning mount provides.
    let home =
        env_of(service(&compose(), "grafana"))["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"].clone();
    let rel = home
        .strip_prefix("/etc/grafana/provisioning/")
        .expect("inside the provisioning mount");
    assert!(root().join("provisioning").join(rel).is_file(), "{home}");
}

/// Every plugin.json the repository has (source manifests and, when built, dist/).
fn manifests() -> Vec<(PathBuf, Value)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() && name != "node_modules" && name != "target" && name != ".git" {
                walk(&path, out);
            } else if name == "plugin.json" {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    for dir in ["frontend", "dist"] {
        walk(&root().join(dir), &mut paths);
    }
    if root().join("plugin.json").is_file() {
        paths.push(root().join("plugin.json"));
    }
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, v)
        })
        .collect()
}

#[test]
fn plugin_ids_and_executable_names_agree_everywhere() {
    // The backend binary: Cargo builds `gpx_querent`; the Dockerfile and packaging ship it per arch.
    let cargo = read("Cargo.toml");
    let bins: Vec<&str> = cargo
        .split("[[bin]]")
        .skip(1)
        .filter_map(|b| b.lines().find(|l| l.trim_start().starts_with("name")))
        .filter_map(|l| l.split('"').nth(1))
        .collect();
    assert!(bins.contains(&"gpx_querent"), "{bins:?}");
    assert!(read("deploy/Dockerfile").contains("gpx_querent_linux_${arch}"));
    assert!(read("scripts/package.sh").contains("gpx_querent_linux_"));
    assert!(read("scripts/package.sh").contains(&format!("PLUGIN_ID=\"{APP_ID}\"")));
    assert!(datasources().iter().any(|d| d["type"] == DATASOURCE_ID));
    // Manifests, where the frontend has them (and dist/ once built).
    for (path, manifest) in manifests() {
        let id = manifest["id"].as_str().unwrap_or_default();
        assert!(
            [APP_ID, DATASOURCE_ID, PANEL_ID].contains(&id),
            "{}: unexpected id `{id}`",
            path.display()
        );
        match id {
            DATASOURCE_ID => {
                assert_eq!(manifest["backend"], true, "{}", path.display());
                assert_eq!(manifest["executable"], "gpx_querent", "{}", path.display());
            }
            APP_ID => {
                let includes: Vec<&str> = manifest["includes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i["id"].as_str())
                    .collect();
                for inner in [DATASOURCE_ID, PANEL_ID] {
                    assert!(
                        includes.contains(&inner),
                        "{} includes {inner}",
                        path.display()
                    );
                }
            }
            _ => {}
        }
    }
}

fn fake_dist(dir: &Path) {
    std::fs::create_dir_all(dir.join("datasource")).expect("mkdir");
    std::fs::create_dir_all(dir.join("panel")).expect("mkdir");
    let app = format!(
        r#"{{"type":"app","id":"{APP_ID}","info":{{"version":"%VERSION%","updated":"%TODAY%"}},"includes":[]}}"#
    );
    std::fs::write(dir.join("plugin.json"), app).expect("write");
    let ds = format!(
        r#"{{"type":"datasource","id":"{DATASOURCE_ID}","backend":true,"executable":"gpx_querent","info":{{"version":"%VERSION%","updated":"%TODAY%"}}}}"#
    );
    std::fs::write(dir.join("datasource/plugin.json"), ds).expect("write");
    let panel = format!(r#"{{"type":"panel","id":"{PANEL_ID}","info":{{"version":"%VERSION%"}}}}"#);
    std::fs::write(dir.join("panel/plugin.json"), panel).expect("write");
    std::fs::write(dir.join("module.js"), "define([],function(){})").expect("write");
    std::fs::write(
        dir.join("datasource/gpx_querent_linux_amd64"),
        "#!/bin/sh\n",
    )
    .expect("write");
}

fn package(dist: &Path, out: &Path, version: &str) -> std::process::Output {
    Command::new("bash")
        .arg(root().join("scripts/package.sh"))
        .env("SKIP_BUILD", "1")
        .env("DIST_DIR", dist)
        .env("OUT_DIR", out)
        .env("VERSION", version)
        .env("TODAY", "2026-11-25")
        .output()
        .expect("bash runs")
}

#[test]
fn package_script_zips_dist_with_version_and_date_filled_in() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (dist, out) = (tmp.path().join("dist"), tmp.path().join("out"));
    fake_dist(&dist);
    let result = package(&dist, &out, "1.2.3");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let archive = out.join(format!("{APP_ID}-1.2.3.zip"));
    let bytes = std::fs::read(&archive).expect("archive written");
    assert_eq!(&bytes[..4], b"PK\x03\x04", "a zip file");
    assert!(out.join(format!("{APP_ID}-1.2.3.zip.sha256")).is_file());
    let staged = out.join(APP_ID);
    for manifest in ["plugin.json", "datasource/plugin.json", "panel/plugin.json"] {
        let text = std::fs::read_to_string(staged.join(manifest)).expect("staged manifest");
        assert!(
            text.contains("\"1.2.3\"") && !text.contains('%'),
            "{manifest}: {text}"
        );
    }
    assert!(
        std::fs::read_to_string(staged.join("plugin.json"))
            .expect("app")
            .contains("2026-11-25")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let binary = staged.join("datasource/gpx_querent_linux_amd64");
        let mode = std::fs::metadata(binary)
            .expect("binary")
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "the backend stays executable");
    }
    // dist/ itself keeps its placeholders for the next build.
    assert!(
        std::fs::read_to_string(dist.join("plugin.json"))
            .expect("dist")
            .contains("%VERSION%")
    );
}

#[test]
fn package_script_refuses_bad_input() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (dist, out) = (tmp.path().join("dist"), tmp.path().join("out"));
    fake_dist(&dist);
    let bad_version = package(&dist, &out, "one.two");
    assert!(!bad_version.status.success());
    assert!(String::from_utf8_lossy(&bad_version.stderr).contains("not semver"));
    std::fs::remove_file(dist.join("datasource/gpx_querent_linux_amd64")).expect("rm");
    let no_binary = package(&dist, &out, "1.2.3");
    assert!(!no_binary.status.success());
    assert!(String::from_utf8_lossy(&no_binary.stderr).contains("no backend binary"));
}
