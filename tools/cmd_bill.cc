// Billing accounts on the command line:
//   v100 account-new --out KEYFILE --card-out CARDFILE [--fast]   make an account (sealed key file)
//   v100 bill --account KEYFILE --port P --pin SHA256 [--host H] [--month YYYY-MM] [--register-rate CENTS]
// `bill` connects to a server, optionally registers the account with its encrypted rate, and
// decrypts the month's bill with the account key. The server never sees the rate or the bill.
#include <cstdio>
#include <ctime>

#include "command.h"
#include "meeting/client/client.h"
#include "meeting/client/keystore.h"
#include "meeting/services/services.h"

namespace v100::tools {
namespace {

namespace mc = v100::meeting::client;
namespace ms = v100::meeting::services;

std::string this_month() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m", &tm);
  return buf;
}

int run_account_new(const Args& args) {
  std::string out = args.value("--out"), card_out = args.value("--card-out");
  auto pass = mc::read_passphrase("passphrase for " + out + ": ", true);
  if (!pass.is_ok()) {
    std::fprintf(stderr, "v100 account-new: %s\n", pass.message().c_str());
    return 1;
  }
  auto account = ms::BillingAccount::create();
  mc::ScryptParams params;
  if (args.has("--fast")) params.log2_n = 12;
  Bytes sealed = mc::keystore_seal(account.seed().span(), *pass, params);
  if (auto s = mc::write_private_file(out, sealed); !s) {
    std::fprintf(stderr, "v100 account-new: %s\n", s.message().c_str());
    return 1;
  }
  if (auto s = mc::write_private_file(card_out, account.card().serialize()); !s) {
    std::fprintf(stderr, "v100 account-new: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("account key written to %s (sealed with your passphrase)\n", out.c_str());
  std::printf("billing card for hosts written to %s\n", card_out.c_str());
  return 0;
}

int run_bill(const Args& args) {
  std::string keyfile = args.value("--account");
  std::string port = args.value("--port"), pin = args.value("--pin");
  auto file = mc::read_file(keyfile);
  if (!file.is_ok()) {
    std::fprintf(stderr, "v100 bill: %s\n", file.message().c_str());
    return 1;
  }
  auto pass = mc::read_passphrase("passphrase for " + keyfile + ": ", false);
  if (!pass.is_ok()) {
    std::fprintf(stderr, "v100 bill: %s\n", pass.message().c_str());
    return 1;
  }
  auto seed = mc::keystore_open(*file, *pass);
  if (!seed.is_ok()) {
    std::fprintf(stderr, "v100 bill: %s\n", seed.message().c_str());
    return 1;
  }
  ms::BillingAccount account(std::move(seed).value());
  mc::ClientOptions o;
  o.transport.host = args.value("--host", "127.0.0.1");
  o.transport.port = static_cast<uint16_t>(std::stoul(port));
  o.transport.pin_sha256 = pin;
  auto id = std::make_shared<const mc::Identity>(mc::Identity::generate());  // an anonymous connection
  auto client = mc::Client::connect(id, o);
  if (!client.is_ok()) {
    std::fprintf(stderr, "v100 bill: %s\n", client.message().c_str());
    return 1;
  }
  std::string rate = args.value("--register-rate");
  if (!rate.empty()) {
    if (auto s = account.register_account(**client, std::stoull(rate)); !s) {
      std::fprintf(stderr, "v100 bill: register: %s\n", s.message().c_str());
      return 1;
    }
    std::printf("account registered with its encrypted rate\n");
  }
  std::string month = args.value("--month", this_month());
  auto bill = account.fetch_bill(**client, month);
  if (!bill.is_ok()) {
    std::fprintf(stderr, "v100 bill: %s\n", bill.message().c_str());
    return 1;
  }
  std::printf("bill for %s: %llu.%02llu (currency units; decrypted locally, the server saw ciphertexts)\n",
              month.c_str(), static_cast<unsigned long long>(*bill / 100),
              static_cast<unsigned long long>(*bill % 100));
  return 0;
}

}  // namespace

V100_COMMAND("account-new", "make a billing account: --out KEYFILE --card-out CARDFILE",
             CommandSpec{
                 .usage = "v100 account-new --out KEYFILE --card-out CARDFILE [--fast]",
                 .options = {opt_required("--out"), opt_required("--card-out"), opt_switch("--fast")}},
             run_account_new);
V100_COMMAND("bill", "decrypt a month's bill: --account KEYFILE --port P --pin SHA256 [--month YYYY-MM]",
             CommandSpec{
                 .usage = "v100 bill --account KEYFILE --port P --pin SHA256 [--host H] [--month YYYY-MM]\n"
                          "                [--register-rate CENTS]",
                 .options = {opt_required("--account"), opt_required("--port"), opt_value("--pin"),
                             opt_value("--host"), opt_value("--month"), opt_value("--register-rate")}},
             run_bill);

}  // namespace v100::tools
