import { useId, type InputHTMLAttributes } from "react";
import { borderFor, controlClasses, Field, fieldDescriptionIds, type FieldProps } from "./field";

type InputProps = InputHTMLAttributes<HTMLInputElement>;

/** A bare text input, for places that label it themselves (e.g. a search box with a hidden label). */
export function Input({ className = "", ...props }: InputProps) {
  return <input className={`${controlClasses} h-10 border-border ${className}`} {...props} />;
}

export function TextField({ label, hint, error, id, className = "", ...props }: InputProps & FieldProps) {
  const generated = useId();
  const fieldId = id ?? generated;
  return (
    <Field id={fieldId} label={label} hint={hint} error={error}>
      <input
        id={fieldId}
        aria-invalid={error ? true : undefined}
        aria-describedby={fieldDescriptionIds(fieldId, { hint, error })}
        className={`${controlClasses} h-10 ${borderFor(error)} ${className}`}
        {...props}
      />
    </Field>
  );
}
