import { CircleDashed, CreditCard, Lock, LockOpen } from 'lucide-react';
import { useState } from 'react';
import type { TokenModuleView } from '../../../shared/identity';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { ErrorText } from '../../components/ErrorText';
import { useTokenLogin, useTokenLogout } from '../../hooks/useTokenSession';
import { PinForm } from '../pin/PinForm';

type Slot = TokenModuleView['slots'][number];

/** Props of {@link SlotRow}. */
export interface SlotRowProps {
  module: string;
  slot: Slot;
}

/** One slot: its token (or "empty"), PIN state, and log in / log out. */
export function SlotRow({ module, slot }: SlotRowProps) {
  const token = slot.token;
  return (
    <li className="list-item" data-slot={slot.slotId} data-token={token?.label ?? ''} data-present={slot.tokenPresent}>
      <div className="slot-icon" aria-hidden="true">
        {!token ? slot.tokenPresent ? <CreditCard size={17} /> : <CircleDashed size={17} /> : token.loggedIn ? <LockOpen size={17} /> : <Lock size={17} />}
      </div>
      <div className="list-main">
        <div className="cell-title">{slotTitle(slot)}</div>
        <div className="cell-sub">
          {token ? `${token.manufacturer} ${token.model} · serial ${token.serialNumber}` : slot.description} · slot {slot.slotId}
        </div>
      </div>
      {token ? token.label ? <TokenState token={token} /> : <Badge>Not initialised</Badge> : <Badge tone={slot.tokenPresent ? 'warning' : 'neutral'}>{slot.tokenPresent ? 'Unrecognised card' : 'No card'}</Badge>}
      {token?.label && <SessionButton module={module} token={token} />}
    </li>
  );
}

/** What is in the slot, in words: a token's label, an unusable card, or nothing. */
function slotTitle(slot: Slot): string {
  if (slot.token) return slot.token.label || 'Uninitialised token';
  if (slot.tokenPresent) return slot.unrecognized ? 'A card this module cannot use' : 'Card inserted';
  return 'Empty reader';
}

function TokenState({ token }: { token: NonNullable<Slot['token']> }) {
  if (token.pinLocked) return <Badge tone="danger">PIN locked</Badge>;
  return (
    <span className="row" data-field="login-state">
      {token.pinFinalTry && <Badge tone="danger">Final PIN try</Badge>}
      {token.pinCountLow && !token.pinFinalTry && <Badge tone="warning">PIN tries low</Badge>}
      {token.loggedIn ? <Badge tone="success">Logged in</Badge> : token.loginRequired ? <Badge tone="neutral">Locked</Badge> : <Badge tone="info">No login needed</Badge>}
    </span>
  );
}

function SessionButton({ module, token }: { module: string; token: NonNullable<Slot['token']> }) {
  const [open, setOpen] = useState(false);
  const login = useTokenLogin(module, token.label);
  const logout = useTokenLogout(module, token.label);
  if (!token.loginRequired || token.pinLocked) return null;
  if (token.loggedIn) {
    return (
      <span className="row">
        {logout.error && <ErrorText code={logout.error.code}>{logout.error.message}</ErrorText>}
        <Button size="sm" busy={logout.busy} onClick={() => void logout.run()}>
          Log out
        </Button>
      </span>
    );
  }
  const submit = async (pin: string) => {
    const result = await login.run(pin);
    if (result?.ok) setOpen(false);
  };
  return (
    <>
      <Button size="sm" variant="primary" onClick={() => { login.reset(); setOpen(true); }}>
        Log in…
      </Button>
      <Dialog open={open} onOpenChange={setOpen} title={`Log in to “${token.label}”`} description="Keyport keeps the session, never the PIN.">
        <PinForm onSubmit={(pin) => void submit(pin)} onCancel={() => setOpen(false)} busy={login.busy} error={login.error?.message} errorCode={login.error?.code} submitLabel="Log in" />
      </Dialog>
    </>
  );
}
