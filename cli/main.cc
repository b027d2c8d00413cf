// mcp-report: records a plain recording command line itself; everything
// else runs in mcp-report-cli (README.md, Layout; cli/recorder.cc).
#include "cli/front.h"

int main(int argc, char** argv) { return mcpr::cli::run_recorder(argc, argv); }
