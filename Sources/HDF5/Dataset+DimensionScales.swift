import CHDF5

/// Dimension scales (the HDF5 high-level H5DS API): named axes that xarray's
/// h5netcdf engine and netCDF readers turn into dimension names.
extension Dataset {
    /// Makes this dataset a dimension scale named `name` (e.g. `point`, `step`).
    public func makeDimensionScale(named name: String) throws {
        try Library.call("H5DSset_scale", context) { H5DSset_scale(self.id, name) }
    }

    /// Whether this dataset is a dimension scale.
    public var isDimensionScale: Bool {
        get throws { try Library.call("H5DSis_scale", context) { H5DSis_scale(self.id) } > 0 }
    }

    /// Attaches a dimension scale to one axis of this dataset.
    public func attachDimensionScale(_ scale: Dataset, toAxis axis: Int) throws {
        try Library.call("H5DSattach_scale", context) { H5DSattach_scale(self.id, scale.id, UInt32(axis)) }
    }

    /// Labels one axis of this dataset.
    public func setAxisLabel(_ label: String, axis: Int) throws {
        try Library.call("H5DSset_label", context) { H5DSset_label(self.id, UInt32(axis), label) }
    }

    /// How many dimension scales are attached to an axis.
    public func attachedScaleCount(axis: Int) throws -> Int {
        Int(try Library.call("H5DSget_num_scales", context) { H5DSget_num_scales(self.id, UInt32(axis)) })
    }
}
