# Homebrew formula for mosh-rs (macOS, x86_64 and arm64; also Linuxbrew).
#
# This is the template. At a release, `make dist` on the release commit
# writes target/dist/homebrew/mosh-rs.rb: this file with the sha256 of
# the source tarball it made (mosh-rs-VERSION.tar.gz, `git archive` of
# HEAD) in place of the zeros below. Publish that tarball at `url` and
# put the formula in a tap (or propose it to homebrew-core).
#
# It builds from source with Homebrew's Rust. The macOS build was
# compiled and linked on Linux (cargo clippy and Zig), not yet run on a Mac.
class MoshRs < Formula
  desc "Mobile shell (mosh) as one binary, wire-compatible with mosh 1.3/1.4"
  homepage "https://github.com/mosh-rs/mosh-rs"
  url "https://github.com/mosh-rs/mosh-rs/releases/download/v0.1.0/mosh-rs-0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license any_of: ["MIT", "Apache-2.0"]

  depends_on "rust" => :build

  # Both install mosh, mosh-client and mosh-server.
  conflicts_with "mosh", because: "both install mosh, mosh-client and mosh-server"

  def install
    system "cargo", "install", *std_cargo_args
    # One binary, three names: it picks its mode from the name.
    %w[mosh mosh-client mosh-server].each { |name| bin.install_symlink "mosh-rs" => name }
    man1.install "dist/man/mosh.1", "dist/man/mosh-client.1", "dist/man/mosh-server.1"
    bash_completion.install "dist/completions/mosh.bash" => "mosh"
    %w[mosh-client mosh-server mosh-rs].each { |name| bash_completion.install_symlink "mosh" => name }
    zsh_completion.install "dist/completions/_mosh"
  end

  test do
    assert_match(/^mosh-server \(mosh-rs #{version}\) \[build /, shell_output("#{bin}/mosh-server --version"))
    assert_match(/^mosh \(mosh-rs #{version}\) \[build /, shell_output("#{bin}/mosh --version"))
    # The terminal emulator: colours are dropped, cursor moves obeyed.
    screen = pipe_output("#{bin}/mosh-rs emulate --cols 20 --rows 2",
                         "hello\r\n\e[1;31mworld\e[0m\e[1;3Hy")
    assert_equal "heylo\nworld\n", screen
  end
end
