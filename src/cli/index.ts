import { Command, CommanderError } from 'commander';
import { registerDaemonCommand } from './commands/daemon';
import { registerEnrollmentCommands } from './commands/enroll';
import { registerAcmeEnroll } from './commands/enroll-acme';
import { registerIdentityCommands } from './commands/identities';
import { registerKeyCommands } from './commands/keys';
import { registerProxyCommands } from './commands/proxy';
import { registerAuditCommands } from './commands/audit';
import { registerServeCommand } from './commands/serve';
import { registerTlsCommands } from './commands/tls';
import { registerTokenCommands } from './commands/tokens';
import { registerTestCommand } from './commands/test';
import { registerEndpointCommands } from './commands/endpoints';
import { registerTransferCommands } from './commands/transfer';
import { ExitCode } from './exit-codes';
import { collect } from './options';

/** The `keyport` command line. */
export function buildProgram(): Command {
  const program = new Command('keyport')
    .description('mTLS client identities with keys in the OS keychain or on a PKCS#11 token')
    .version(process.env.KEYPORT_VERSION ?? '0.1.0')
    .option('--data-dir <dir>', 'where Keyport keeps its state (also KEYPORT_DATA_DIR)')
    .option('--pkcs11-module <path>', 'a PKCS#11 module to load; repeatable (also KEYPORT_PKCS11_MODULES)', collect, [])
    .option('--pin-file <file>', 'read token PINs from this file (also KEYPORT_PIN); never pass a PIN in argv')
    .showHelpAfterError('(run `keyport --help` for usage)')
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'keyport: ')) })
    .exitOverride();
  registerIdentityCommands(program);
  registerTransferCommands(program);
  registerKeyCommands(program);
  registerTokenCommands(program);
  registerTlsCommands(program);
  registerTestCommand(program);
  registerEndpointCommands(program);
  registerServeCommand(program);
  registerProxyCommands(program);
  registerAuditCommands(program);
  registerEnrollmentCommands(program);
  registerDaemonCommand(program);
  registerAcmeEnroll(program.commands.find((c) => c.name() === 'enroll') ?? program.command('enroll'));
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    // Help and version exit 0; every parse error is a usage error.
    process.exitCode = e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
}

void main(process.argv);
