/* C# extras, included last. */
