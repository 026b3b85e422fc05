import { FileKey, Upload } from 'lucide-react';
import { useRef, useState, type DragEvent } from 'react';
import { Button } from '../../components/Button';

/** Props of {@link DropZone}. */
export interface DropZoneProps {
  file: File | undefined;
  onFile: (file: File) => void;
  accept: string;
  id?: string;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
}

/** A file target: drop a file on it or press the button to pick one (a native file input underneath). */
export function DropZone({ file, onFile, accept, ...aria }: DropZoneProps) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const dropped = e.dataTransfer.files[0];
    if (dropped) onFile(dropped);
  };
  return (
    <div
      className={['dropzone', over ? 'dropzone-over' : '', file ? 'dropzone-filled' : '', aria['aria-invalid'] ? 'dropzone-invalid' : ''].filter(Boolean).join(' ')}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <div className="dropzone-icon" aria-hidden="true">
        {file ? <FileKey size={20} /> : <Upload size={20} />}
      </div>
      <div className="dropzone-text">
        {file ? (
          <>
            <strong data-field="file-name">{file.name}</strong>
            <span className="faint">{(file.size / 1024).toFixed(1)} KB</span>
          </>
        ) : (
          <>
            <strong>Drop a .p12, .pfx or .pem file here</strong>
            <span className="faint">or pick one from disk</span>
          </>
        )}
      </div>
      <Button size="sm" onClick={() => input.current?.click()}>
        {file ? 'Choose another…' : 'Choose file…'}
      </Button>
      <input
        ref={input}
        {...aria}
        className="visually-hidden"
        type="file"
        accept={accept}
        tabIndex={-1}
        onChange={(e) => {
          const picked = e.target.files?.[0];
          if (picked) onFile(picked);
          e.target.value = '';
        }}
      />
    </div>
  );
}
