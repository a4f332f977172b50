// Generates testdata/doubles.tsv and json/testdata/powers.tsv: doubles as
// RapidJSON's Writer prints them (Zeek's JSON formatter), as std::to_chars
// fixed/6 prints them (Zeek's time and interval rendering) and as Zeek's
// ODesc renders a double (re-implemented here from Zeek's util.cc and
// Desc.cc), and RapidJSON's table of cached powers of ten.
//
// Build with a RapidJSON checkout (github.com/zeek/rapidjson):
//   g++ -std=c++17 -O2 -I rapidjson/include vectors.cc -o vectors
//   ./vectors > ../doubles.tsv; ./vectors powers > ../../json/testdata/powers.tsv
//
// Columns of doubles.tsv: IEEE bits (hex), RapidJSON, fixed/6, ODesc (the
// last two "*" for magnitudes of 1e25 and more).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <rapidjson/internal/diyfp.h>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <cstdint>
#include <random>
#include <string>

static std::string rj(double d) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    if (std::isnan(d) || std::isinf(d)) return "null";
    w.Double(d);
    return b.GetString();
}
static std::string fixed6(double d) {
    char buf[512];
    auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed, 6);
    return std::string(buf, r.ptr - buf);
}
// Zeek's ODesc::Add(double, no_exp=true) with precision 6.
static std::string odesc(double d) {
    char buf[512];
    std::string out;
    if (std::isnan(d)) return "nan";
    double v = d;
    if (v < 0) { out = "-"; v = -v; }
    else if (v == -0.0) v = 0.0;
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 6);
    char* last = r.ptr - 1;
    while (*last == '0') last--;
    if (*last != '.') last++;
    out += std::string(buf, last - buf);
    if (std::abs(d - std::nearbyint(d)) < 1e-9 && std::isfinite(d) && out.find('e') == std::string::npos)
        out += ".0";
    return out;
}
static void emit(double d) {
    uint64_t u; memcpy(&u, &d, 8);
    // Fixed notation of huge values is long and adds nothing: mark it "*".
    bool huge = std::fabs(d) >= 1e25;
    printf("%016llx\t%s\t%s\t%s\n", (unsigned long long)u, rj(d).c_str(),
           huge ? "*" : fixed6(d).c_str(), huge ? "*" : odesc(d).c_str());
}
int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "powers") {
        for (int i = 0; i < 87; i++) {
            auto p = rapidjson::internal::GetCachedPowerByIndex(i);
            printf("%016llx\t%d\n", (unsigned long long)p.f, p.e);
        }
        return 0;
    }
    std::mt19937_64 g(20240601);
    double specials[] = {0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 3.14, 100.0, 1e20, 1e21, 1e22, 1e-5, 1e-6, 1e-7, 1e-10,
        123456789012345678.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.0078125, 2.5, 0.0000005,
        -0.0000004, 1e15, 1e16, 1e17, 9007199254740993.0, 1234.5, 0.3, 2.0/3.0, 1e100, 1e-100, INFINITY, -INFINITY, NAN};
    for (double d : specials) emit(d);
    for (int i = -30; i <= 30; i++) { emit(std::pow(10.0, i)); emit(1.5 * std::pow(10.0, i)); }
    for (int i = 0; i < 1000; i++) { // packet timestamps: sec + usec/1e6
        double sec = (double)(1000000000 + g() % 1000000000);
        double usec = (double)(g() % 1000000);
        emit(sec + usec / 1e6);
    }
    for (int i = 0; i < 800; i++) { // durations as differences of timestamps
        double sec = (double)(1000000000 + g() % 1000000000);
        double a = sec + (double)(g() % 1000000) / 1e6;
        double b = a + (double)(g() % 100) + (double)(g() % 1000000) / 1e6;
        b = std::floor(b) + std::round((b - std::floor(b)) * 1e6) / 1e6;
        emit(b - a);
    }
    for (int i = 0; i < 600; i++) { // small intervals in microseconds
        emit((double)(g() % 100000000) / 1e6);
    }
    for (int i = 0; i < 1500; i++) { // random finite bit patterns
        uint64_t u = g(); double d; memcpy(&d, &u, 8);
        if (!std::isfinite(d)) continue;
        emit(d);
    }
    for (int i = 0; i < 600; i++) { // random moderate doubles
        std::uniform_real_distribution<double> dist(-1e7, 1e7);
        emit(dist(g));
    }
    return 0;
}
