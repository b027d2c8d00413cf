// A temporary folder per test, removed when the test passes and kept (with
// its path printed) when it fails, as ccache's unit tests do.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "mcpr-unit-XXXXXX").string();
    char* made = ::mkdtemp(pattern.data());
    ASSERT_NE(made, nullptr);
    dir_ = made;
  }
  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "kept test folder: " << dir_ << "\n";
    } else {
      std::filesystem::remove_all(dir_);
    }
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string dir_;
};
