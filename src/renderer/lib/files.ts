/**
 * Files between the page and the user: a picked or dropped file becomes the contract's
 * `FilePayload` (bytes as base64, the name only for messages), and an export becomes a download.
 */
import { MAX_UPLOAD_BYTES } from '../../shared/contract';
import type { ExportedFile, FilePayload } from '../../shared/views';

/** Thrown when a file is too large to send; the message is the sentence to show. */
export class FileTooLargeError extends Error {}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

/** Reads `file` into a payload, refusing files over the contract's limit with a sentence that says so. */
export async function readFilePayload(file: File): Promise<FilePayload> {
  if (file.size > MAX_UPLOAD_BYTES) {
    throw new FileTooLargeError(
      `${file.name} is ${(file.size / 1048576).toFixed(1)} MB; Keyport reads files up to ${MAX_UPLOAD_BYTES / 1048576} MB (a PKCS#12 or PEM file is usually a few KB): pick the right file.`,
    );
  }
  return { name: file.name, dataBase64: toBase64(new Uint8Array(await file.arrayBuffer())) };
}

/** Offers an exported file as a download under its suggested name. */
export function downloadExport(exported: ExportedFile): void {
  const bytes = exported.encoding === 'base64' ? Uint8Array.from(atob(exported.data), (c) => c.charCodeAt(0)) : new TextEncoder().encode(exported.data);
  const url = URL.createObjectURL(new Blob([bytes], { type: exported.mediaType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = exported.fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Offers `text` as a download named `fileName` (a CSR made on the New key screen). */
export function downloadText(fileName: string, text: string, mediaType: ExportedFile['mediaType']): void {
  downloadExport({ fileName, mediaType, encoding: 'utf8', data: text });
}
