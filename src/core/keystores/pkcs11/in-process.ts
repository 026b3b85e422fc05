/**
 * The token host's request path run in this process: same validation, same PKCS#11 code, no IPC.
 * ONLY for bench/sign, to measure what the separate host process adds per call. Keyport itself
 * never loads vendor modules outside the token host.
 */
import { KeyportError } from '../../../shared/errors';
import { answer } from '../../tokenhost/dispatch';
import type { ParamsOf, ResultOf, TokenHostMethod } from '../../tokenhost/protocol';
import { TokenService } from '../../tokenhost/service';
import type { TokenHostApi } from './host-api';

/** A TokenHostApi that calls pkcs11js directly in the current process. */
export class InProcessPkcs11 implements TokenHostApi {
  private readonly service = new TokenService();
  private nextId = 1;

  async call<M extends TokenHostMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const response = answer(this.service, { id: this.nextId++, method, params });
    if (!response.ok) throw new KeyportError(response.error.code, response.error.message);
    return response.value as ResultOf<M>;
  }

  /** Closes sessions and finalizes the modules. */
  close(): void {
    this.service.close();
  }
}
