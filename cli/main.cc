#include "cli/command.h"

int main(int argc, char** argv) { return mcpr::cli::run_cli(argc, argv); }
