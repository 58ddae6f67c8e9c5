//! The server unwinds (issue 22 §9): a handler's panic is caught and answered 500, never an
//! abort of the whole process. The workspace's `release` profile aborts (it is the browser's
//! size profile), so the server must be built only with profiles that unwind: this checks the
//! profiles in the workspace manifest and every place xtask builds or runs the server.

#[test]
fn every_profile_that_builds_the_server_unwinds() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let manifest: toml::Table = std::fs::read_to_string(root.join("Cargo.toml")).unwrap().parse().unwrap();
    let profiles = manifest["profile"].as_table().unwrap();
    let panic_of = |name: &str| -> Option<String> {
        let p = profiles.get(name)?.as_table()?;
        match p.get("panic").and_then(|v| v.as_str()) {
            Some(v) => Some(v.to_owned()),
            None => p.get("inherits").and_then(|i| i.as_str()).and_then(|i| panic_of_inherited(profiles, i)),
        }
    };
    assert_eq!(panic_of("server").as_deref(), Some("unwind"), "[profile.server] unwinds");
    for name in ["dev", "test"] {
        assert_ne!(panic_of(name).as_deref(), Some("abort"), "[profile.{name}] must not abort");
    }
    // No cargo invocation in xtask that names the server uses the release profile (the dev and
    // test profiles unwind; a named profile must be the server's).
    let mut seen = 0;
    for entry in std::fs::read_dir(root.join("xtask/src")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines().filter(|l| l.contains("\"kyc-server\"") && l.contains("cargo(")) {
            seen += 1;
            let named_ok = !line.contains("\"--profile\"") || line.contains("\"--profile\", \"server\"");
            assert!(
                named_ok && !line.contains("--release"),
                "{}: the server is never built with the release profile: {line}",
                path.display()
            );
        }
    }
    assert!(seen > 0, "xtask builds the server somewhere");
}

fn panic_of_inherited(profiles: &toml::Table, name: &str) -> Option<String> {
    let p = profiles.get(name)?.as_table()?;
    p.get("panic").and_then(|v| v.as_str()).map(str::to_owned)
}
