#include "command_registry.hpp"

namespace attune::cli {

std::vector<Command>& registered_commands() {
    static std::vector<Command> commands;  // filled by static Registrations before main()
    return commands;
}

}  // namespace attune::cli
