// The review and history views without a window: the timeline's zoom / pan / scrub maths, the
// values read at the cursor, the mouse (wheel zooms about the pointer, a click scrubs), and the
// views drawn from a real recorded session, a damaged one and none at all.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "../recording/recorded_session.hpp"
#include "attune/session/history.hpp"
#include "attune/ui/review.hpp"
#include "attune/ui/views.hpp"

namespace fs = std::filesystem;
using attune::ui::Timeline;

namespace {

fs::path fresh_dir(const std::string& name) {
    const auto dir = fs::path(ATTUNE_BINARY_DIR) / "test_ui_files" / (name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir.parent_path());
    return dir;
}

const fs::path& recorded_folder() {
    static const fs::path dir = [] {
        const auto d = fresh_dir("review");
        REQUIRE(attune::test::record_simulated_session(d, 150.0, 60.0, {{40.0, "check-in note"}}));
        return d;
    }();
    return dir;
}

// An ImGui context with the app's fonts and theme, no window: frames go to draw lists only.
class Imgui {
public:
    Imgui() : context_(ImGui::CreateContext()) {
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.DisplaySize = ImVec2(1280, 720);
        attune::ui::apply_theme(1.0f);
        fonts_ = attune::ui::load_fonts(1.0f);
        unsigned char* pixels = nullptr;
        int w = 0, h = 0;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    }
    ~Imgui() { ImGui::DestroyContext(context_); }
    Imgui(const Imgui&) = delete;
    Imgui& operator=(const Imgui&) = delete;

    // One frame of `draw` in a full-window panel, as the app does; returns the vertices drawn.
    template <class Draw>
    int frame(Draw draw) {
        ImGui::GetIO().DeltaTime = 1.0f / 60.0f;
        ImGui::NewFrame();
        ImGui::SetNextWindowPos(ImVec2(0, 0));
        ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
        ImGui::Begin("Attune", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove);
        draw(fonts_);
        ImGui::End();
        ImGui::Render();
        return ImGui::GetDrawData()->TotalVtxCount;
    }

private:
    ImGuiContext* context_;
    attune::ui::Fonts fonts_;
};

}  // namespace

TEST_CASE("timeline: zoom keeps the point under the pointer, pan stops at the ends", "[ui][review]") {
    Timeline tl;
    tl.reset(0.0, 600.0);
    CHECK(tl.view_start_s == 0.0);
    CHECK(tl.view_end_s == 600.0);
    tl.zoom(2.0, 150.0);  // 150 s sat a quarter of the way across, and still does
    CHECK(tl.span() == Approx(300.0));
    CHECK((150.0 - tl.view_start_s) / tl.span() == Approx(0.25));
    for (int i = 0; i < 20; ++i) tl.zoom(2.0, 150.0);
    CHECK(tl.span() == Approx(Timeline::kMinSpanS));  // never deeper than ten seconds
    CHECK(tl.view_start_s <= 150.0);
    CHECK(tl.view_end_s >= 150.0);
    tl.zoom(1e-6, 150.0);  // out as far as it goes: the whole session
    CHECK(tl.view_start_s == 0.0);
    CHECK(tl.view_end_s == 600.0);

    tl.zoom(4.0, 300.0);
    const double span = tl.span();
    tl.pan(1e6);
    CHECK(tl.view_end_s == 600.0);
    CHECK(tl.span() == Approx(span));
    tl.pan(-1e6);
    CHECK(tl.view_start_s == 0.0);
    CHECK(tl.span() == Approx(span));

    // Jumping to an event off screen centres it (within the session); on screen, the view stays.
    tl.jump_to(500.0);
    CHECK(tl.cursor_s == 500.0);
    CHECK(tl.view_start_s <= 500.0);
    CHECK(tl.view_end_s >= 500.0);
    const double start = tl.view_start_s;
    tl.jump_to(tl.view_start_s + 1.0);
    CHECK(tl.view_start_s == start);
    tl.jump_to(1e9);
    CHECK(tl.cursor_s == 600.0);
    CHECK(tl.view_end_s == 600.0);

    // Screen x and session time are inverse.
    CHECK(tl.time_at(tl.x_of(512.5, 100.0, 800.0), 100.0, 800.0) == Approx(512.5));
    CHECK(tl.x_of(tl.view_start_s, 100.0, 800.0) == Approx(100.0));
    CHECK(tl.x_of(tl.view_end_s, 100.0, 800.0) == Approx(900.0));
}

TEST_CASE("timeline: odd input changes nothing and never breaks the view", "[ui][review]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Timeline tl;
    tl.reset(0.0, 120.0);
    tl.zoom(nan, 10.0);
    tl.zoom(-3.0, 10.0);
    tl.zoom(0.0, 10.0);
    tl.pan(nan);
    tl.set_cursor(nan);
    CHECK(tl.view_start_s == 0.0);
    CHECK(tl.view_end_s == 120.0);
    CHECK(tl.cursor_s == 0.0);
    tl.zoom(2.0, nan);  // about the middle
    CHECK(tl.span() == Approx(60.0));
    CHECK(tl.time_at(5.0, 0.0, 0.0) == tl.view_start_s);  // zero-width plot
    tl.reset(50.0, 50.0);  // an empty session still has a one-second timeline
    CHECK(tl.end_s == 51.0);
    tl.reset(0.0, 4.0);  // shorter than the deepest zoom
    tl.zoom(10.0, 2.0);
    CHECK(tl.view_start_s == 0.0);
    CHECK(tl.view_end_s == 4.0);
}

TEST_CASE("review: the values at the cursor come from the nearest recorded second", "[ui][review]") {
    attune::session::RecordedPartner p;
    for (int i = 0; i < 10; ++i) p.seconds.push_back({static_cast<double>(i), 60.0 + i});
    REQUIRE(attune::ui::second_at(p, 3.4) != nullptr);
    CHECK(attune::ui::second_at(p, 3.4)->hr_bpm == 63.0);
    CHECK(attune::ui::second_at(p, 3.6)->hr_bpm == 64.0);
    CHECK(attune::ui::second_at(p, -1.0)->hr_bpm == 60.0);
    CHECK(attune::ui::second_at(p, 10.4)->hr_bpm == 69.0);
    CHECK(attune::ui::second_at(p, 11.0) == nullptr);  // past the data: nothing, not the last value
    CHECK(attune::ui::second_at(attune::session::RecordedPartner{}, 1.0) == nullptr);
}

TEST_CASE("review: a recorded session draws, the wheel zooms and a click scrubs", "[ui][review]") {
    attune::ui::ReviewState state;
    REQUIRE(state.open(recorded_folder().string()));
    REQUIRE(state.recording);
    CHECK(state.error.empty());
    CHECK(state.timeline.end_s == Approx(150.0).margin(1.0));
    CHECK(state.timeline.cursor_s == Approx(60.0).margin(2.0));  // starts at the first pause
    // The note is listed.
    const auto listed = attune::ui::listed_events(*state.recording);
    CHECK(std::any_of(listed.begin(), listed.end(), [&](std::size_t i) {
        return state.recording->events[i].kind == "marker" && state.recording->events[i].text == "check-in note";
    }));

    Imgui ui;
    const auto draw = [&](const attune::ui::Fonts& fonts) { attune::ui::draw_review(state, fonts); };
    int vertices = 0;
    for (int i = 0; i < 3; ++i) vertices = ui.frame(draw);
    CHECK(vertices > 3000);  // four lanes of two partners' curves, the list, the readout

    // The wheel over the plots (left part of the window, mid height) zooms in about the pointer.
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = ImVec2(300.0f, 450.0f);
    ui.frame(draw);
    io.MouseWheel = 2.0f;
    ui.frame(draw);
    io.MouseWheel = 0.0f;
    CHECK(state.timeline.span() < 0.7 * state.timeline.end_s);
    CHECK(state.timeline.span() > 0.5 * state.timeline.end_s);

    // A click at the pointer puts the cursor there (the time under the pointer is in the view).
    const double before = state.timeline.cursor_s;
    io.MouseDown[0] = true;
    ui.frame(draw);
    ui.frame(draw);
    io.MouseDown[0] = false;
    ui.frame(draw);
    CHECK(state.timeline.cursor_s != before);
    CHECK(state.timeline.cursor_s >= state.timeline.view_start_s);
    CHECK(state.timeline.cursor_s <= state.timeline.view_end_s);
    CHECK(ui.frame(draw) > 1000);  // zoomed in, still drawn
}

TEST_CASE("review: a damaged or missing recording shows a message, never a crash", "[ui][review]") {
    Imgui ui;
    attune::ui::ReviewState state;
    const auto draw = [&](const attune::ui::Fonts& fonts) { attune::ui::draw_review(state, fonts); };

    CHECK_FALSE(state.open("/nonexistent/attune/session"));
    CHECK_FALSE(state.recording);
    CHECK_THAT(state.error, Catch::Contains("no such folder"));
    CHECK(ui.frame(draw) > 200);  // the list with the message

    // Only a few torn lines of one partner and no summary: still drawn, with its problems.
    const auto dir = fresh_dir("review_torn");
    fs::create_directories(dir);
    std::ofstream(dir / "a_seconds.csv") << "time_s,hr_bpm,rmssd_ms,coherence,resp_rate_bpm,resp_amplitude,quality,arousal,arousal_state\n"
                                         << "0.0,70,40,0.1,12,1,1,0.5,calm\n1.0,71,40,0.1,12,1,1,nan,calm\n2.0,7";
    REQUIRE(state.open(dir.string()));
    CHECK(state.recording->problems.size() >= 3);
    for (int i = 0; i < 3; ++i) CHECK(ui.frame(draw) > 200);

    // An empty sessions folder lists nothing and says so.
    state.close();
    state.sessions_dir = (dir / "none").string();
    CHECK(ui.frame(draw) > 200);
    CHECK(state.recent.empty());
}

TEST_CASE("review: recent sessions are listed newest first", "[ui][review]") {
    const auto base = fresh_dir("review_recent");
    for (const char* name : {"2026-11-02_101500", "2026-12-01_090000", "2026-11-20_180000"})
        fs::create_directories(base / name), std::ofstream(base / name / "channels.json") << "[]";
    fs::create_directories(base / "not-a-session");
    const auto recent = attune::ui::recent_recordings(base.string());
    REQUIRE(recent.size() == 3);
    CHECK(fs::path(recent[0]).filename() == "2026-12-01_090000");
    CHECK(fs::path(recent[2]).filename() == "2026-11-02_101500");
    CHECK(attune::ui::recent_recordings(base.string(), 1).size() == 1);
    CHECK(attune::ui::recent_recordings((base / "missing").string()).empty());
}

TEST_CASE("history: the index is read without being created, and drawn with its trends", "[ui][history]") {
    Imgui ui;
    const auto dir = fresh_dir("history_view");
    fs::create_directories(dir);
    attune::ui::HistoryState state;
    state.db_path = (dir / "history.sqlite").string();
    state.load();
    CHECK(state.rows.empty());
    CHECK(state.error.empty());
    CHECK_FALSE(fs::exists(state.db_path));  // read only: nothing made behind the user's back
    const auto draw = [&](const attune::ui::Fonts& fonts) { (void)attune::ui::draw_history(state, fonts); };
    CHECK(ui.frame(draw) > 100);

    {
        attune::session::SessionHistory history(state.db_path);
        auto figures = attune::session::figures_of_recording(recorded_folder().string());
        history.add(figures);
        figures.dir += "-second";  // a second row with other figures
        figures.calm_fraction = 0.9;
        figures.synchrony = 0.8;
        history.add(figures);
    }
    state.load();
    REQUIRE(state.rows.size() == 2);
    int vertices = 0;
    for (int i = 0; i < 3; ++i) vertices = ui.frame(draw);
    CHECK(vertices > 1500);  // four trend plots and two table rows

    std::ofstream(dir / "broken.sqlite") << "this is not a database, it only has a name like one";
    state.db_path = (dir / "broken.sqlite").string();
    state.load();
    CHECK_FALSE(state.error.empty());
    CHECK(ui.frame(draw) > 100);
}
