//! The JSON Schemas of rule files, workflow files and segflow.toml: `segflow schema` prints the
//! committed files, every shipped file validates against them with a real validator (Python's
//! `jsonschema`, draft 2020-12), broken files do not, and the config schema's defaults are
//! segflow's own, so the schema cannot drift from what segflow accepts.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const KINDS: [&str; 3] = ["rules", "workflows", "config"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema(kind: &str) -> Value {
    let text = std::fs::read_to_string(root().join(format!("schemas/{kind}.schema.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Validates each file against the schema of `kind` with Python's `jsonschema`; returns, per
/// file, the validator's first error or `None` when it is valid.
fn validate(kind: &str, files: &[&Path]) -> Vec<Option<String>> {
    let script = r#"
import json, sys, tomllib, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    if path.endswith(".toml"):
        doc = tomllib.load(open(path, "rb"))
    else:
        doc = yaml.safe_load(open(path))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    print(json.dumps(errors[0].message if errors else None))
"#;
    let schema = root().join(format!("schemas/{kind}.schema.json"));
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&schema)
        .args(files)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the schema tests need python3 with jsonschema and PyYAML (`python3 -m pip install jsonschema pyyaml`; .ci/run installs them): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Option<String>>(l).unwrap())
        .collect()
}

fn yaml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_command_prints_the_committed_schemas() {
    for kind in KINDS {
        let out = Command::new(env!("CARGO_BIN_EXE_segflow"))
            .args(["schema", kind])
            .output()
            .unwrap();
        assert!(out.status.success());
        let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(printed, schema(kind), "{kind}");
        assert_eq!(
            printed["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
    }
}

#[test]
fn a_broken_config_keeps_neither_schema_nor_init_from_running() {
    // The schema is what helps fix a broken segflow.toml, and a scaffold needs no config.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("segflow.toml"), "[store\n").unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_segflow"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = run(&["schema", "config"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, schema("config"));
    let out = run(&["init", "fresh"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("fresh/segflow.toml").is_file());
    // Every other command still reports the broken file.
    let out = run(&["check"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("segflow.toml"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_shipped_file_is_valid() {
    for (kind, dir) in [("rules", "rules"), ("workflows", "workflows")] {
        let files = yaml_files(&root().join(dir));
        assert!(files.len() >= 3, "{dir} has the example files");
        let refs: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
        for (file, error) in files.iter().zip(validate(kind, &refs)) {
            assert_eq!(error, None, "{}", file.display());
        }
    }
    // The configuration `segflow init` writes.
    let dir = tempfile::tempdir().unwrap();
    let init = Command::new(env!("CARGO_BIN_EXE_segflow"))
        .args(["init"])
        .arg(dir.path().join("shop"))
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let config = dir.path().join("shop/segflow.toml");
    assert_eq!(validate("config", &[&config]), [None]);
}

#[test]
fn broken_files_are_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let rules = [
        write("typo.yaml", "segment: vip\nwher: total_spent > 100\n"),
        write("no_where.yaml", "segment: vip\n"),
        write(
            "refresh.yaml",
            "segment: vip\nwhere: true\nrefresh: { every: 15 minutes }\n",
        ),
    ];
    let workflows = [
        write("no_id.yaml", "workflow: w\ntrigger: { event: x }\nsteps:\n  - send: t\n"),
        write(
            "no_timeout.yaml",
            "workflow: w\ntrigger: { event: x }\nsteps:\n  - { id: a, wait_until: \"true\" }\n",
        ),
        write(
            "two_triggers.yaml",
            "workflow: w\ntrigger: { event: x, segment_entered: vip }\nsteps:\n  - { id: a, send: t }\n",
        ),
        write(
            "step_name.yaml",
            "workflow: w\ntrigger: { event: x }\nsteps:\n  - { id: Wait 1h, wait: 1h }\n",
        ),
        write(
            "backfill.yaml",
            "workflow: w\ntrigger: { schedule: { cron: \"0 6 * * *\", segment: vip }, backfill: 1d }\nsteps:\n  - { id: a, send: t }\n",
        ),
    ];
    let configs = [
        write("paht.toml", "[store]\npaht = \"x.db\"\n"),
        write("transport.toml", "[mail]\ntransport = \"sendmail\"\n"),
    ];
    for (kind, files) in [
        ("rules", &rules[..]),
        ("workflows", &workflows[..]),
        ("config", &configs[..]),
    ] {
        let refs: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
        for (file, error) in files.iter().zip(validate(kind, &refs)) {
            assert!(error.is_some(), "{} should be invalid", file.display());
        }
    }
}

/// A TOML value for a JSON default.
fn toml_value(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let fields: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k} = {}", toml_value(v)))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(toml_value).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Number(n) if n.is_f64() => format!("{:?}", n.as_f64().unwrap()),
        other => other.to_string(),
    }
}

/// Writes every default of `properties` under `[section]`, and nested tables below it.
fn defaults(section: &str, properties: &Value, out: &mut String) {
    let mut nested = Vec::new();
    out.push_str(&format!("[{section}]\n"));
    for (key, property) in properties.as_object().unwrap() {
        // A null default is an optional table, absent by default.
        if property.get("default") == Some(&Value::Null) {
            continue;
        }
        if let Some(default) = property.get("default") {
            out.push_str(&format!("{key} = {}\n", toml_value(default)));
        } else if property.get("type") == Some(&Value::from("object"))
            && property.get("required").is_none()
        {
            nested.push((format!("{section}.{key}"), property["properties"].clone()));
        }
    }
    for (name, props) in nested {
        defaults(&name, &props, out);
    }
}

#[test]
fn the_config_schema_defaults_are_segflows_defaults() {
    let schema = schema("config");
    let mut text = String::new();
    for (section, table) in schema["properties"].as_object().unwrap() {
        // An array of tables (`[[webhooks]]`) is empty by default; its entries' defaults are
        // checked below.
        if table["type"] == "array" {
            assert_eq!(table["default"], Value::Array(Vec::new()), "{section}");
            continue;
        }
        defaults(section, &table["properties"], &mut text);
    }
    let hook = &schema["properties"]["webhooks"]["items"]["properties"];
    let required = "[[webhooks]]\nname = \"crm\"\nurl = \"https://crm.test/hook\"\nsecret_env = \"CRM_SECRET\"\n";
    let mut with_defaults = required.to_string();
    for (key, property) in hook.as_object().unwrap() {
        if let Some(default) = property.get("default") {
            with_defaults.push_str(&format!("{key} = {}\n", toml_value(default)));
        }
    }
    let bare: segflow::config::Config = toml::from_str(required).unwrap();
    let full: segflow::config::Config =
        toml::from_str(&with_defaults).unwrap_or_else(|e| panic!("{e}\n{with_defaults}"));
    assert_eq!(bare, full, "\n{with_defaults}");
    assert!(
        with_defaults.contains("max_attempts = 12"),
        "{with_defaults}"
    );
    // Every key the schema names is one segflow accepts (unknown keys are errors), and with
    // the schema's defaults the configuration is exactly segflow's default.
    let parsed: segflow::config::Config =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(parsed, segflow::config::Config::default(), "\n{text}");
    assert!(text.lines().count() > 60, "{text}");
}
