// The `v100` option parser (tools/command.h): config files for commands that take `--config`,
// the command line's precedence over the file, and errors that name the file and line.
#include "command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/rng.h"

namespace v100::tools {
namespace {

const CommandSpec kSpec{.usage = "test",
                        .options = {opt_value("--port"), opt_required("--data-dir"), opt_value("--bind"),
                                    opt_switch("--verbose")},
                        .config_file = true};

class ConfigFile : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove(path_); }
  std::string write(const std::string& text) {
    std::ofstream(path_) << text;
    return path_;
  }
  /// The UsageError message of parsing `argv`, or "" when it parses.
  static std::string error_of(const CommandSpec& spec, const std::vector<std::string>& argv) {
    try {
      (void)Args::parse(spec, argv);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  }
  std::string path_ =
      (std::filesystem::temp_directory_path() / ("v100-conf-" + to_hex(random_bytes(6)))).string();
};

TEST(ParseConfig, KeysValuesCommentsAndQuotes) {
  const auto e = parse_config(
      "# a comment\n\n  port = 8443  \ndata-dir=\"/var/lib/v100 # not a comment\"\r\nverbose = true\n",
      "f.conf");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].key, "port");
  EXPECT_EQ(e[0].value, "8443");
  EXPECT_EQ(e[0].line, 3u);
  EXPECT_EQ(e[1].value, "/var/lib/v100 # not a comment");
  EXPECT_EQ(e[2].key, "verbose");
}

TEST(ParseConfig, ErrorsNameTheLine) {
  auto error = [](const char* text) {
    try {
      (void)parse_config(text, "f.conf");
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error("port = 1\nbind\n"), "f.conf:2: expected 'key = value'");
  EXPECT_EQ(error("= 1\n"), "f.conf:1: missing key before '='");
  EXPECT_EQ(error("\n\nport =\n"), "f.conf:3: port: empty value");
  EXPECT_EQ(error("port = 1\nport = 2\n"), "f.conf:2: port given twice (also on line 1)");
  EXPECT_EQ(error("bind = \"x\n"), "f.conf:1: bind: unbalanced quote");
}

TEST_F(ConfigFile, FileFillsOptionsAndTheCommandLineWins) {
  const std::string f = write("data-dir = /srv/v100\nport = 8443\nbind = 0.0.0.0\nverbose = true\n");
  Args a = Args::parse(kSpec, {"--config", f, "--port", "9000"});
  EXPECT_EQ(a.value("--data-dir"), "/srv/v100");  // a required option may come from the file
  EXPECT_EQ(a.value("--port"), "9000");           // the command line wins
  EXPECT_EQ(a.where("--port"), "--port");
  EXPECT_EQ(a.value("--bind"), "0.0.0.0");
  EXPECT_EQ(a.where("--bind"), f + ":3: bind");
  EXPECT_TRUE(a.has("--verbose"));
  EXPECT_EQ(a.uint_value("--port", 1), 9000u);

  write("data-dir = d\nverbose = false\n");
  Args b = Args::parse(kSpec, {"--config=" + f});
  EXPECT_FALSE(b.has("--verbose"));
  EXPECT_EQ(b.uint_value("--port", 8443), 8443u);  // absent everywhere: the default
}

TEST_F(ConfigFile, UnknownKeysAndBadValuesAreErrorsNamingTheLine) {
  const std::string f = write("data-dir = d\n# next: a typo\nprot = 1\n");
  EXPECT_EQ(error_of(kSpec, {"--config", f}), f + ":3: unknown key 'prot'");
  write("data-dir = d\nconfig = other.conf\n");
  EXPECT_EQ(error_of(kSpec, {"--config", f}), f + ":2: unknown key 'config'");
  write("data-dir = d\nverbose = yes\n");
  EXPECT_EQ(error_of(kSpec, {"--config", f}), f + ":2: verbose: expected true or false");
  write("data-dir = d\nport = 80x\n");
  Args a = Args::parse(kSpec, {"--config", f});
  try {
    (void)a.uint_value("--port", 0, 0, 65535);
    ADD_FAILURE() << "80x accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), f + ":2: port: '80x' is not a non-negative integer");
  }
  write("data-dir = d\nport = 70000\n");
  try {
    (void)Args::parse(kSpec, {"--config", f}).uint_value("--port", 0, 0, 65535);
    ADD_FAILURE() << "70000 accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), f + ":2: port: 70000 is out of range (0..65535)");
  }
  EXPECT_EQ(error_of(kSpec, {"--config", f + ".missing"}), "cannot read config file " + f + ".missing");
  EXPECT_EQ(error_of(kSpec, {"--port", "1"}), "option --data-dir is required");
  // A command without config files does not take --config.
  CommandSpec plain = kSpec;
  plain.config_file = false;
  EXPECT_EQ(error_of(plain, {"--config", f, "--data-dir", "d"}), "unknown option '--config'");
  // Command-line values are checked the same way.
  EXPECT_THROW((void)Args::parse(kSpec, {"--data-dir", "d", "--port", "-1"}).uint_value("--port", 0),
               UsageError);
}

}  // namespace
}  // namespace v100::tools
