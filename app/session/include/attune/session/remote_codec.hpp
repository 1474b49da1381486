// The remote watcher's messages (`attune session --serve` <-> `attune watch`), JSON text frames:
//   watcher -> server: {"type":"hello","code":"123456"}, {"type":"marker","text":"..."},
//                      {"type":"control","control":"hold|resume|skip|start_pause"}
//   server -> watcher: {"type":"welcome"}, {"type":"refused","reason":"..."},
//                      {"type":"bye","reason":"..."}, {"type":"snapshot", ...the clinician's view}
// Decoding never throws and bounds every size: a bad or hostile message gives nullopt.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "attune/session/protocol_machine.hpp"
#include "attune/session/snapshot.hpp"

namespace attune::session::remote {

constexpr std::size_t kMaxRequestBytes = 16 * 1024;          // a watcher's frame
constexpr std::size_t kMaxServerMessageBytes = 8 * 1024 * 1024;  // a snapshot with its traces
constexpr std::size_t kMaxTextChars = 500;                  // a marker note, a reason
constexpr std::size_t kMaxTraceValues = 20000;
constexpr std::size_t kMaxEvents = 200;
constexpr int kMaxNesting = 16;

struct WatcherRequest {
    enum class Kind { Hello, Marker, Control } kind = Kind::Hello;
    std::string text;  // the code (hello) or the note (marker)
    Control control = Control::Hold;
};

struct ServerMessage {
    enum class Kind { Welcome, Refused, Bye, Snapshot } kind = Kind::Welcome;
    std::string reason;
    std::shared_ptr<const Snapshot> snapshot;
};

std::string encode(const WatcherRequest& request);
std::optional<WatcherRequest> decode_request(std::string_view text);

std::string encode_snapshot(const Snapshot& snapshot);
std::string encode_status(ServerMessage::Kind kind, const std::string& reason = {});  // welcome/refused/bye
std::optional<ServerMessage> decode_server_message(std::string_view text);

std::string_view control_name(Control control);
std::optional<Control> control_from_name(std::string_view name);

}  // namespace attune::session::remote
