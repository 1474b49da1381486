// `attune protocols`: the shipped protocol library (name, what it is, where it lives), or
// `--check FILE...` to validate protocol files a couple and their therapist wrote.
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>

#include "attune/session/protocol.hpp"
#include "command_registry.hpp"

namespace attune::cli {
namespace {

struct ProtocolsArgs {
    std::vector<std::string> check;
};

int list_library() {
    namespace fs = std::filesystem;
    std::set<std::string> seen;
    int shown = 0;
    for (const auto& dir : session::protocol_search_dirs()) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) continue;
        std::set<fs::path> files;
        for (const auto& entry : fs::directory_iterator(dir, ec))
            if (entry.path().extension() == ".toml") files.insert(entry.path());
        for (const auto& file : files) {
            const std::string name = file.stem().string();
            if (!seen.insert(name).second) continue;  // an earlier directory overrides
            try {
                const auto p = session::load_protocol(file);
                std::cout << name << "\t" << p.name << ": " << p.description << "\n    " << file.string() << "\n";
            } catch (const session::ProtocolError& e) {
                std::cout << name << "\tNOT USABLE: " << e.what() << "\n";
            }
            ++shown;
        }
    }
    if (shown == 0) {
        std::cerr << "attune protocols: no protocol library found (set ATTUNE_PROTOCOLS to its folder)\n";
        return 1;
    }
    return 0;
}

int check_files(const std::vector<std::string>& files) {
    int bad = 0;
    for (const auto& f : files) {
        try {
            const auto p = session::load_protocol(session::find_protocol(f));
            std::cout << f << ": ok (" << p.name << ", " << p.steps.size() << " steps, " << p.ritual.size()
                      << " ritual steps)\n";
        } catch (const session::ProtocolError& e) {
            std::cerr << e.what() << "\n";
            ++bad;
        }
    }
    return bad == 0 ? 0 : 2;
}

const Registration kProtocols{
    "protocols", "List the shipped session protocols, or check protocol files (--check FILE...)",
    [](CLI::App& sub) -> Runner {
        auto args = std::make_shared<ProtocolsArgs>();
        sub.add_option("--check", args->check, "Protocol files to validate (errors name the line)");
        return [args] { return args->check.empty() ? list_library() : check_files(args->check); };
    }};

}  // namespace
}  // namespace attune::cli
