package store

// FieldCode lets the external tests read a validation error's code for a field.
var FieldCode = fieldCode
