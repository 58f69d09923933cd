# A dry run of a Homebrew formula without Homebrew, for
# tests/release/homebrew.rs: the few parts of the Formula DSL that
# dist/homebrew/mosh-rs.rb uses, acting on a scratch prefix.
#
#   ruby brew_dry_run.rb FORMULA SOURCE_DIR PREFIX
#
# Prints the formula's fields as "field<TAB>value" lines, runs its
# `install` in SOURCE_DIR (where `cargo` on PATH is a stand-in), then
# its `test` block, and exits non-zero if any step fails.
require "fileutils"
require "open3"
require "pathname"

class Pathname
  # Homebrew's Pathname#install: a file, or {source => new name}.
  def install(*sources)
    mkpath
    sources.each do |source|
      pairs = source.is_a?(Hash) ? source : { source => File.basename(source) }
      pairs.each { |from, to| FileUtils.cp(from, join(to)) }
    end
  end

  # Homebrew's Pathname#install_symlink with {target => link name}.
  def install_symlink(pairs)
    mkpath
    pairs.each { |target, name| File.symlink(target, join(name)) }
  end
end

class Formula
  FIELDS = []

  class << self
    %i[desc homepage url sha256].each do |field|
      define_method(field) { |value| FIELDS << [field.to_s, value] }
    end

    def license(value)
      FIELDS << ["license", value.inspect]
    end

    def depends_on(spec)
      FIELDS << ["depends_on", spec.is_a?(Hash) ? spec.keys.first : spec]
    end

    def conflicts_with(name, because:)
      FIELDS << ["conflicts_with", name]
    end

    def test(&block)
      @test_block = block
    end

    attr_reader :test_block
  end

  def prefix = Pathname.new(ARGV.fetch(2))
  def bin = prefix / "bin"
  def man1 = prefix / "share/man/man1"
  def bash_completion = prefix / "etc/bash_completion.d"
  def zsh_completion = prefix / "share/zsh/site-functions"
  def version = Formula::FIELDS.to_h.fetch("url")[/mosh-rs-([0-9.]+)\.tar\.gz/, 1]
  def std_cargo_args = ["--locked", "--root", prefix.to_s, "--path", "."]

  def system(*command)
    Kernel.system(*command) or raise "failed: #{command.join(" ")}"
  end

  def shell_output(command)
    out, status = Open3.capture2(command)
    raise "failed: #{command}" unless status.success?
    out
  end

  def pipe_output(command, input)
    out, status = Open3.capture2(command, stdin_data: input)
    raise "failed: #{command}" unless status.success?
    out
  end

  def assert_match(pattern, text)
    raise "#{text.inspect} does not match #{pattern.inspect}" unless pattern.match?(text)
  end

  def assert_equal(expected, actual)
    raise "expected #{expected.inspect}, got #{actual.inspect}" unless expected == actual
  end
end

load ARGV.fetch(0)
formula_class = Object.const_get(:MoshRs)
Formula::FIELDS.each { |field, value| puts "#{field}\t#{value}" }
formula = formula_class.new
Dir.chdir(ARGV.fetch(1)) { formula.install }
formula.instance_eval(&formula_class.test_block)
puts "dry run\tpassed"
