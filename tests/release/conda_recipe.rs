//! `dist/conda-forge/recipe.yaml`: py-rattler-build parses it against the
//! recipe schema and renders it offline for linux-64, linux-aarch64,
//! linux-ppc64le, osx-64 and osx-arm64;
//! the rendered fields match the crate (name, version, licence, the
//! source tarball `make dist` makes); and a dry run of its build script
//! (cargo replaced by a copy of our binary) followed by its own tests and
//! package-contents checks passes.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::release::run;
use crate::support::scratch::Scratch;

const PLATFORMS: [&str; 5] = [
    "linux-64",
    "linux-aarch64",
    "linux-ppc64le",
    "osx-64",
    "osx-arm64",
];

fn recipe_path() -> PathBuf {
    crate::support::release::repo_root().join("dist/conda-forge/recipe.yaml")
}

/// A Python that can `import rattler_build`: `$MOSH_RS_RATTLER_PYTHON`,
/// or the venv scripts/test-deps.sh makes.
fn rattler_python() -> Option<PathBuf> {
    let candidates = std::env::var_os("MOSH_RS_RATTLER_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            std::env::var_os("XDG_CACHE_HOME")
                .map(|c| PathBuf::from(c).join("mosh-rs/rattler-venv/bin/python")),
        )
        .chain(
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/mosh-rs/rattler-venv/bin/python")),
        );
    for python in candidates {
        let ok = python.is_file()
            && run(
                Command::new(&python).args(["-c", "import rattler_build"]),
                b"",
            )
            .status
                == Some(0);
        if ok {
            return Some(python);
        }
    }
    crate::support::skip::skip("py-rattler-build is not installed (run scripts/test-deps.sh)");
    None
}

/// One rendered platform: `(field, value)` pairs in order.
struct Rendered {
    platform: String,
    fields: Vec<(String, String)>,
}

impl Rendered {
    fn all(&self, field: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn one(&self, field: &str) -> &str {
        match self.all(field).as_slice() {
            [value] => value,
            other => panic!("{}: {field} has {} values", self.platform, other.len()),
        }
    }
}

/// Renders `recipe` for `PLATFORMS`; `Err` holds what the renderer said.
fn render(python: &Path, recipe: &Path) -> Result<(Vec<String>, Vec<Rendered>), String> {
    let helper = crate::support::release::repo_root().join("tests/support/render_recipe.py");
    let out = run(
        Command::new(python).arg(helper).arg(recipe).args(PLATFORMS),
        b"",
    );
    if out.status != Some(0) {
        return Err(out.stderr);
    }
    let mut skips = Vec::new();
    let mut rendered: Vec<Rendered> = Vec::new();
    for line in out.stdout.lines() {
        let (field, value) = line.split_once('\t').unwrap_or((line, ""));
        match (field, rendered.last_mut()) {
            ("stage0.build.skip", _) => skips.push(value.to_string()),
            ("platform", _) => rendered.push(Rendered {
                platform: value.to_string(),
                fields: Vec::new(),
            }),
            (_, Some(current)) => current.fields.push((field.to_string(), value.to_string())),
            (_, None) => return Err(format!("field before platform: {line}")),
        }
    }
    Ok((skips, rendered))
}

#[test]
fn recipe_renders_for_linux_and_macos_platforms_with_the_crates_facts() {
    let Some(python) = rattler_python() else {
        return;
    };
    let (skips, rendered) = render(&python, &recipe_path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(skips, ["win"]);
    assert_eq!(rendered.len(), PLATFORMS.len());
    let version = env!("CARGO_PKG_VERSION");
    for r in &rendered {
        assert_eq!(r.one("package.name"), "mosh-rs");
        assert_eq!(
            r.one("package.version"),
            version,
            "bump the recipe with Cargo.toml"
        );
        let url = r.one("source.url");
        assert!(
            url.starts_with("https://") && url.ends_with(&format!("/mosh-rs-{version}.tar.gz")),
            "source.url {url} is not the tarball `make dist` makes"
        );
        let sha = r.one("source.sha256");
        assert!(
            sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
            "sha256 {sha:?}"
        );
        let build = r.all("requirements.build");
        assert!(
            build.contains(&format!("rust_{}", r.platform).as_str()),
            "{build:?}"
        );
        assert_eq!(r.one("about.license"), env!("CARGO_PKG_LICENSE"));
        for file in r.all("about.license_file") {
            if file != "THIRDPARTY.yml" {
                assert!(
                    crate::support::release::repo_root().join(file).is_file(),
                    "licence file {file}"
                );
            }
        }
        // One script for every platform: the dry run below covers them all.
        assert_eq!(
            r.all("build.script"),
            rendered[0].all("build.script"),
            "{}",
            r.platform
        );
        let script = r.all("build.script").join("\n");
        assert!(script.contains("cargo install --locked"), "{script}");
        let tests = r.all("tests.script").join("\n");
        assert!(tests.contains("mosh-server --version"), "{tests}");
        assert!(tests.contains("mosh-rs emulate"), "{tests}");
    }
}

#[test]
fn renderer_rejects_a_recipe_with_an_unknown_field() {
    // Proves the render check above is a schema check, not a YAML parse.
    let Some(python) = rattler_python() else {
        return;
    };
    let scratch = Scratch::new("bad-recipe");
    let good = std::fs::read_to_string(recipe_path()).expect("recipe");
    let bad = good.replacen("\nabout:\n", "\naboot:\n", 1);
    assert_ne!(good, bad);
    let path = scratch.join("recipe.yaml");
    std::fs::write(&path, bad).expect("write");
    let err = render(&python, &path)
        .err()
        .expect("a bad recipe must not render");
    assert!(err.contains("aboot"), "{err}");
}

/// Writes an executable shell script.
fn write_script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}")).expect("write script");
    let mut permissions = std::fs::metadata(path).expect("stat").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(path, permissions).expect("chmod");
}

#[test]
fn dry_run_of_build_script_then_the_recipes_own_tests_pass() {
    let Some(python) = rattler_python() else {
        return;
    };
    let (_, rendered) = render(&python, &recipe_path()).unwrap_or_else(|e| panic!("{e}"));
    let linux = rendered.first().expect("linux-64 rendered");
    let scratch = Scratch::new("conda-dry-run");
    // The source tree as the tarball has it (only what the script reads).
    let src = scratch.join("src");
    for dir in ["dist/man", "dist/completions"] {
        std::fs::create_dir_all(src.join(dir)).expect("mkdir");
        for entry in std::fs::read_dir(crate::support::release::repo_root().join(dir))
            .expect("read")
            .flatten()
        {
            std::fs::copy(entry.path(), src.join(dir).join(entry.file_name())).expect("copy");
        }
    }
    // Stand-ins for the build tools: cargo "installs" the binary we built.
    let tools = scratch.join("tools");
    std::fs::create_dir_all(&tools).expect("mkdir");
    write_script(
        &tools.join("cargo"),
        &format!(
            "[ \"$1\" = install ] || exit 2\n\
             while [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\n\
             mkdir -p \"$root/bin\" && cp '{}' \"$root/bin/mosh-rs\"\n",
            crate::support::release::native_binary().display()
        ),
    );
    write_script(
        &tools.join("cargo-bundle-licenses"),
        "echo 'third_party_libraries: []' > THIRDPARTY.yml\n",
    );
    let prefix = scratch.join("prefix");
    let path_var = format!(
        "{}:{}",
        tools.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let build = format!("set -e\n{}\n", linux.all("build.script").join("\n"));
    run(
        Command::new("bash")
            .args(["-c", &build])
            .current_dir(&src)
            .env("PREFIX", &prefix)
            .env("PATH", &path_var),
        b"",
    )
    .expect_success("the recipe's build script");
    assert!(src.join("THIRDPARTY.yml").is_file());
    for bin in linux.all("tests.bin") {
        assert!(
            prefix.join("bin").join(bin).is_file(),
            "package lacks bin/{bin}"
        );
    }
    for file in linux.all("tests.files") {
        assert!(prefix.join(file).is_file(), "package lacks {file}");
    }
    let test_path = format!("{}:{}", prefix.join("bin").display(), "/usr/bin:/bin");
    for line in linux.all("tests.script") {
        run(
            Command::new("bash")
                .args(["-e", "-c", line])
                .current_dir(scratch.path())
                .env("PATH", &test_path),
            b"",
        )
        .expect_success(&format!("recipe test `{line}`"));
    }
}
