#include "attune/hardware/partner_model.hpp"
#include <cstdio>
using namespace attune::hardware;
// Writes sig_<name>_{ecg,ppg,resp}.csv and truth for a scenario.
static void scenario(const char* name, PartnerProfile p, SimulationConfig c, double dur, double pacer_at) {
    PartnerModel m(p, c);
    char fn[256];
    FILE* f[3];
    const char* ch[3] = {"ecg", "ppg", "resp"};
    for (int i = 0; i < 3; ++i) { snprintf(fn, sizeof fn, "sig_%s_%s.csv", name, ch[i]); f[i] = fopen(fn, "w"); }
    for (int k = 1; k <= int(dur * 10); ++k) {
        auto chunks = m.advance_to(k * 0.1);
        if (pacer_at > 0 && k == int(pacer_at * 10)) m.set_pacer(PacerTarget{6.0, 0.4, 0.0});
        for (int i = 0; i < 3; ++i) for (size_t j = 0; j < chunks[i].values.size(); ++j) fprintf(f[i], "%.4f,%.5f\n", chunks[i].time_of(j), chunks[i].values[j]);
    }
    for (auto x : f) fclose(x);
    write_ground_truth(m.ground_truth(), ".", name);
}
int main() {
    auto couple = default_couple();
    SimulationConfig clean; clean.artifacts = false; clean.seed = 3;
    scenario("clean", couple[0], clean, 30, -1);
    SimulationConfig busy; busy.seed = 77; busy.trouble.pvc.per_min = 6; busy.trouble.motion.per_min = 3; busy.trouble.ecg_dropout.per_min = 2; busy.trouble.speech.per_min = 1;
    scenario("busy", couple[1], busy, 300, -1);
    PartnerProfile p = couple[0]; p.episodes.clear(); p.episodes.push_back({.start_s = 100, .rise_s = 30, .hold_s = 90, .recover_s = 60, .hr_increase_bpm = 20});
    scenario("episode", p, clean, 600, 400);
}
