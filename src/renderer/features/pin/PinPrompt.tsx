import { Dialog } from '../../components/Dialog';
import { usePinAnswer, usePinRequests } from '../../hooks/usePinRequests';
import { PinForm } from './PinForm';

/**
 * The PIN dialog, raised by `pin.required` when an operation (a connection test, a proxy route)
 * needs a logged-out token. Only the app draws it; the PIN goes straight back through `pin.answer`.
 */
export function PinPrompt() {
  const { current, drop } = usePinRequests();
  const { answer, cancel } = usePinAnswer(current?.requestId);
  if (!current) return null;
  const submit = async (pin: string) => {
    const result = await answer.run(pin);
    if (result?.ok) drop(current.requestId);
  };
  const dismiss = async () => {
    await cancel.run();
    drop(current.requestId);
  };
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && void dismiss()}
      title="PIN needed"
      description={
        <>
          Token <strong data-field="pin-token">“{current.token}”</strong> needs its PIN to continue. <span className="faint">{current.module}</span>
        </>
      }
    >
      <PinForm
        key={current.requestId}
        onSubmit={(pin) => void submit(pin)}
        onCancel={() => void dismiss()}
        busy={answer.busy}
        error={answer.error?.message}
        errorCode={answer.error?.code}
      />
    </Dialog>
  );
}
