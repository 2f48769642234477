// iochain completion bash|zsh|fish: a completion script made from the commands and options the
// CLI registers, so it cannot drift from them. Install: `iochain completion bash >
// /etc/bash_completion.d/iochain`, `iochain completion fish > ~/.config/fish/completions/iochain.fish`,
// or `source <(iochain completion zsh)` in ~/.zshrc.
import type { Command } from "commander";
import { completionValues, parseChoice } from "./options.js";
import { CATALOGUE } from "./catalogue.js";

const SHELLS = ["bash", "zsh", "fish"] as const;
type Shell = (typeof SHELLS)[number];

interface CommandFacts {
  name: string;
  description: string;
  options: {
    long: string;
    short?: string;
    description: string;
    takesValue: boolean;
    /** What the value may be (targets, formats, ...); none: a file name. */
    values?: readonly string[];
  }[];
}

function facts(program: Command): CommandFacts[] {
  return program.commands.map((c): CommandFacts => ({
    name: c.name(),
    description: c.description(),
    options: c.options
      .filter((o) => !o.hidden && o.long)
      .map((o): CommandFacts["options"][number] => ({
        long: o.long!,
        short: o.short,
        description: o.description,
        takesValue: o.required || o.optional,
        values: completionValues(o),
      }))
      .concat([{ long: "--help", short: "-h", description: "show help", takesValue: false }]),
  }));
}

const shellWords = (words: string[]): string => words.join(" ");

function bash(cmds: CommandFacts[]): string {
  const cases = cmds
    .map((c) => {
      const opts = c.options.flatMap((o) => (o.short ? [o.long, o.short] : [o.long]));
      const valued = c.options.filter((o) => o.takesValue).map((o) => o.long);
      return `    ${c.name}) opts="${shellWords(opts)}"; valued="${shellWords(valued)}" ;;`;
    })
    .join("\n");
  const valueCases = cmds
    .flatMap((c) =>
      c.options
        .filter((o) => o.values)
        .flatMap((o) => (o.short ? [o.long, o.short] : [o.long]).map((flag) => ({ c, o, flag }))),
    )
    .map(
      ({ c, o, flag }) =>
        `    "${c.name} ${flag}") COMPREPLY=( $(compgen -W "${shellWords([...o.values!])}" -- "$cur") ); return ;;`,
    )
    .join("\n");
  return `# iochain completion for bash (iochain completion bash)
_iochain() {
  local cur prev opts valued
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${shellWords(cmds.map((c) => c.name))} --help --version" -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
    *) opts=""; valued="" ;;
  esac
  case "\${COMP_WORDS[1]} $prev" in
${valueCases}
  esac
  if [[ " $valued " == *" $prev "* ]]; then
    COMPREPLY=( $(compgen -f -- "$cur") )
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -F _iochain iochain
`;
}

/** zsh runs the bash function through bashcompinit: one script to keep right. */
const zsh = (cmds: CommandFacts[]): string =>
  `# iochain completion for zsh (iochain completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(cmds).replace(/^# .*\n/, "")}`;

const fishQuote = (s: string): string => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

function fish(cmds: CommandFacts[]): string {
  const lines = [
    "# iochain completion for fish (iochain completion fish)",
    "complete -c iochain -f",
  ];
  for (const c of cmds)
    lines.push(
      `complete -c iochain -n __fish_use_subcommand -a ${c.name} -d ${fishQuote(c.description)}`,
    );
  for (const c of cmds) {
    lines.push(`complete -c iochain -n '__fish_seen_subcommand_from ${c.name}' -F`);
    for (const o of c.options) {
      const short = o.short ? ` -s ${o.short.slice(1)}` : "";
      const value = o.values
        ? ` -x -a ${fishQuote(o.values.join(" "))}`
        : o.takesValue
          ? " -r -F"
          : "";
      lines.push(
        `complete -c iochain -n '__fish_seen_subcommand_from ${c.name}' -l ${o.long.slice(2)}${short}${value} -d ${fishQuote(o.description)}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

export function completionScript(shell: Shell, program: Command): string {
  const cmds = facts(program);
  return shell === "bash" ? bash(cmds) : shell === "zsh" ? zsh(cmds) : fish(cmds);
}

export function registerCompletion(program: Command): void {
  program
    .command("completion")
    .description(CATALOGUE.completion.summary)
    .argument("<shell>", SHELLS.join(", "))
    .action(async (shell: string) => {
      const chosen = parseChoice("shell", shell, SHELLS);
      // Every command, not only this one (main.ts loads just the command that runs).
      const { buildProgram } = await import("./main.js");
      process.stdout.write(completionScript(chosen, await buildProgram(undefined)));
    });
}
