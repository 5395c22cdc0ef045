import { useId, type TextareaHTMLAttributes } from "react";
import { borderFor, controlClasses, Field, fieldDescriptionIds, type FieldProps } from "./field";

export function TextareaField({ label, hint, error, id, className = "", ...props }: TextareaHTMLAttributes<HTMLTextAreaElement> & FieldProps) {
  const generated = useId();
  const fieldId = id ?? generated;
  return (
    <Field id={fieldId} label={label} hint={hint} error={error}>
      <textarea
        id={fieldId}
        aria-invalid={error ? true : undefined}
        aria-describedby={fieldDescriptionIds(fieldId, { hint, error })}
        className={`${controlClasses} py-2 leading-relaxed ${borderFor(error)} ${className}`}
        {...props}
      />
    </Field>
  );
}
