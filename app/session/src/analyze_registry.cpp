// The list of analysis stages: the built-in heart stage plus those registered by the executable.
#include <algorithm>

#include "attune/session/analyze.hpp"

namespace attune::session {

StageInfo heart_stage_info();  // analyze_heart.cpp

std::vector<StageInfo>& registered_stages() {
    static std::vector<StageInfo> stages;
    return stages;
}

std::vector<StageInfo> analysis_stages() {
    std::vector<StageInfo> all;
    all.push_back(heart_stage_info());
    for (const auto& s : registered_stages()) all.push_back(s);
    std::stable_sort(all.begin(), all.end(),
                     [](const StageInfo& a, const StageInfo& b) { return a.order < b.order; });
    return all;
}

std::string_view to_string(BeatSource source) {
    switch (source) {
        case BeatSource::Ecg: return "ecg";
        case BeatSource::Ppg: return "ppg";
        case BeatSource::Rr: return "rr";
    }
    return "unknown";
}

}  // namespace attune::session
