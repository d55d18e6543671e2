// Checks shared by the `tnc_config` fuzz target and the corpus replay test: parsing arbitrary
// text never panics, entries are well-formed, and errors point into the text.

/// Parses `data` (lossily decoded as UTF-8) as a `tnc_config` file and checks the result.
pub fn check_tnc_config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.lines().collect();
    match tnc_imc_api::c_abi::tnc_config::TncConfig::parse(&text) {
        Ok(config) => {
            let mut last = 0;
            for e in &config.entries {
                assert!(e.line > last && e.line <= lines.len(), "line {}", e.line);
                last = e.line;
                assert!(!e.name.is_empty());
                assert!(!e.path.as_os_str().is_empty());
                let line = lines[e.line - 1].trim_start();
                assert!(line.starts_with("IMC") || line.starts_with("IMV"));
            }
            assert_eq!(
                config.imcs().count() + config.imvs().count(),
                config.entries.len()
            );
        }
        Err(e) => {
            assert!(e.line >= 1 && e.line <= lines.len().max(1), "line {}", e.line);
            let line = lines.get(e.line - 1).copied().unwrap_or("");
            assert!(
                e.column >= 1 && e.column <= line.chars().count() + 1,
                "column {} of {line:?}",
                e.column
            );
            assert!(!e.to_string().is_empty());
        }
    }
}
