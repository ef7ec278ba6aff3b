//! Rendering of report models: text and HTML through templates, XLSX and PDF.
