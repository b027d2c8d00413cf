# Run by CPack only (CPACK_INSTALL_SCRIPTS): the .deb's /etc/mcp-report/
# config.toml, a conffile. cmake --install writes nothing outside its prefix
# (the same file is in share/doc/mcp-report/examples/ there).
file(INSTALL ${CMAKE_CURRENT_LIST_DIR}/../config.toml DESTINATION /etc/mcp-report
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
