"""Every command and option is named once, in the binary (cli/command_table.cc
and each command's registration); the bash completion
(scripts/completion/mcp-report.bash) is checked against what the built
binary's --help lists, by running the completion function as bash would."""
import os
import re
import subprocess
import unittest

from harness import SOURCE, Case

COMPLETION = os.path.join(SOURCE, "scripts", "completion", "mcp-report.bash")
# Words the completion offers that are not options in --help: the "--"
# before run's and proxy's command.
NOT_OPTIONS = {"run": {"--"}, "proxy": {"--"}}


def options(help_text):
    """The option names of a --help text's Options: section."""
    section = help_text.split("Options:\n", 1)[1].split("\n\n", 1)[0]
    names = set()
    for line in section.splitlines():
        m = re.match(r"  (-\S+)", line)
        if m:
            names.update(n for n in m.group(1).split(",") if n.startswith("-"))
    return names


def completions(*words):
    """What the completion offers after `mcp-report WORDS... -`."""
    script = ('source %s; COMP_WORDS=(mcp-report %s -); COMP_CWORD=%d; _mcp_report; '
              'printf "%%s\\n" "${COMPREPLY[@]}"'
              % (COMPLETION, " ".join(words), len(words) + 1))
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    return set(r.stdout.split())


class CommandsTest(Case):
    def test_the_completion_knows_every_command_and_global_option(self):
        top = self.ok("--help").stdout
        commands = re.findall(r"^  ([a-z-]+) ",
                              top.split("Subcommands:\n")[1].split("\n\n")[0], re.M)
        self.assertIn("proxy", commands)
        r = subprocess.run(["bash", "-c", 'source %s; COMP_WORDS=(mcp-report ""); COMP_CWORD=1; '
                            '_mcp_report; printf "%%s\\n" "${COMPREPLY[@]}"' % COMPLETION],
                           capture_output=True, text=True, check=True)
        offered = set(r.stdout.split())
        self.assertEqual(sorted(offered - options(top)), sorted(commands))
        self.assertEqual(sorted(completions()), sorted(options(top)))

    def test_the_completion_knows_each_commands_options(self):
        top = self.ok("--help").stdout
        globals_ = options(top)
        commands = re.findall(r"^  ([a-z-]+) ",
                              top.split("Subcommands:\n")[1].split("\n\n")[0], re.M)
        for command in commands:
            with self.subTest(command=command):
                own = options(self.ok(command, "--help").stdout) - {"-h", "--help"}
                # After -v, so that no word before the cursor wants a value.
                offered = completions(command, "-v") - globals_ - NOT_OPTIONS.get(command, set())
                self.assertEqual(sorted(offered), sorted(own))


if __name__ == "__main__":
    unittest.main()
