"""Renders a conda recipe with py-rattler-build, offline, for the release
tests: `python render_recipe.py RECIPE PLATFORM...`. Prints one
`field<TAB>value` line per rendered value (lists give one line per item),
each block starting with `platform<TAB>NAME`, so the Rust test needs no
JSON parser. Exits non-zero if the recipe does not parse or render."""

import sys

from rattler_build import RenderConfig, Stage0Recipe, VariantConfig
from rattler_build.tool_config import PlatformConfig

# What conda-forge's pinning would supply for the compiler() and stdlib()
# functions; the versions do not matter for the checks.
VARIANTS = {
    "rust_compiler": ["rust"],
    "c_compiler": ["gcc"],
    "c_stdlib": ["sysroot"],
}


def emit(field, value):
    for line in str(value).splitlines() or [""]:
        print(f"{field}\t{line}")


def emit_all(field, values):
    for value in values or []:
        emit(field, value)


def main():
    recipe_path, platforms = sys.argv[1], sys.argv[2:]
    recipe = Stage0Recipe.from_file(recipe_path)
    emit_all("stage0.build.skip", recipe.to_dict().get("build", {}).get("skip"))
    for platform in platforms:
        config = RenderConfig(platform=PlatformConfig(target_platform=platform))
        variants = recipe.render(VariantConfig(VARIANTS), config)
        if len(variants) != 1:
            sys.exit(f"{platform}: expected one variant, got {len(variants)}")
        rendered = variants[0].recipe.to_dict()
        emit("platform", platform)
        emit("package.name", rendered["package"]["name"])
        emit("package.version", rendered["package"]["version"])
        for source in rendered.get("source", []):
            emit("source.url", source.get("url", ""))
            emit("source.sha256", source.get("sha256", ""))
        emit_all("build.script", rendered.get("build", {}).get("script"))
        emit_all("requirements.build", rendered.get("requirements", {}).get("build"))
        emit_all("requirements.host", rendered.get("requirements", {}).get("host"))
        for test in rendered.get("tests", []):
            emit_all("tests.script", test.get("script"))
            contents = test.get("package_contents", {})
            emit_all("tests.bin", contents.get("bin"))
            emit_all("tests.files", contents.get("files"))
        about = rendered.get("about", {})
        emit("about.license", about.get("license", ""))
        emit_all("about.license_file", about.get("license_file"))
        emit("about.summary", about.get("summary", ""))
        emit("about.homepage", about.get("homepage", ""))


if __name__ == "__main__":
    main()
