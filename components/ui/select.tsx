import { useId, type SelectHTMLAttributes } from "react";
import { borderFor, controlClasses, Field, fieldDescriptionIds, type FieldProps } from "./field";

export interface SelectOption {
  value: string;
  label: string;
}

export function SelectField({
  label,
  hint,
  error,
  id,
  options,
  className = "",
  ...props
}: SelectHTMLAttributes<HTMLSelectElement> & FieldProps & { options: readonly SelectOption[] }) {
  const generated = useId();
  const fieldId = id ?? generated;
  return (
    <Field id={fieldId} label={label} hint={hint} error={error}>
      <select
        id={fieldId}
        aria-invalid={error ? true : undefined}
        aria-describedby={fieldDescriptionIds(fieldId, { hint, error })}
        className={`${controlClasses} h-10 ${borderFor(error)} ${className}`}
        {...props}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </Field>
  );
}
