/*
*This is auto generated from the ControlManifest.Input.xml file
*/

// Define IInputs and IOutputs Type. They should match with ControlManifest.
export interface IInputs {
    heightPx: ComponentFramework.PropertyTypes.WholeNumberProperty;
    pollSeconds: ComponentFramework.PropertyTypes.WholeNumberProperty;
    parentTable: ComponentFramework.PropertyTypes.StringProperty;
    sessions: ComponentFramework.PropertyTypes.DataSet;
}
export interface IOutputs {
}
