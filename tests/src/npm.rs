//! Installs a test helper's npm packages (`npm ci`) when they are missing, so the README's test
//! command is all a newcomer needs. Test processes run in parallel (nextest starts one process
//! per test), so the install holds an exclusive file lock and the second process finds the
//! packages in place.

use std::path::Path;

/// Runs `npm ci` in `dir` unless `dir/node_modules/<package>` exists.
pub fn ensure_installed(dir: &Path, package: &str) {
    let installed = || dir.join("node_modules").join(package).exists();
    if installed() {
        return;
    }
    let lock = std::fs::File::create(dir.join(".npm-install.lock"))
        .unwrap_or_else(|e| panic!("create a lock file in {}: {e}", dir.display()));
    lock.lock()
        .unwrap_or_else(|e| panic!("lock {}: {e}", dir.display()));
    if installed() {
        return;
    }
    eprintln!("installing the npm packages of {} (npm ci)", dir.display());
    let ok = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| panic!("run npm ci in {}: {e}", dir.display()))
        .success();
    assert!(ok, "npm ci in {} failed", dir.display());
}
